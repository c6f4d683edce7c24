import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version_core as tfjsVersion } from '@tensorflow/tfjs-core';
import { sha256, sha256File } from '../util/hash.ts';

/** Where the untangle package itself lives (its git checkout and lockfile describe the code run). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CodeFingerprint {
  commit: string | null;
  branch: string | null;
  dirty: boolean;
  /** sha256 of `git diff HEAD` (tracked changes) plus untracked file names; null when clean. */
  diffSha256: string | null;
  diff: string;
}

export interface Fingerprint {
  code: CodeFingerprint;
  lockfileSha256: string | null;
  node: string;
  tfjsCore: string;
  platform: string;
  backend: { name: string; versions: Record<string, string> };
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
}

export function codeFingerprint(root = PACKAGE_ROOT): CodeFingerprint {
  const commit = git(['rev-parse', 'HEAD'], root)?.trim() || null;
  if (!commit) return { commit: null, branch: null, dirty: false, diffSha256: null, diff: '' };
  const diff = git(['diff', 'HEAD', '--binary'], root) ?? '';
  const untracked = (git(['ls-files', '--others', '--exclude-standard'], root) ?? '').trim();
  const dirty = diff.length > 0 || untracked.length > 0;
  const full = untracked ? `${diff}\n# untracked files:\n${untracked}\n` : diff;
  return {
    commit,
    branch: git(['rev-parse', '--abbrev-ref', 'HEAD'], root)?.trim() || null,
    dirty,
    diffSha256: dirty ? sha256(full) : null,
    diff: full,
  };
}

export function fingerprint(backend: { name: string; versions: Record<string, string> }, root = PACKAGE_ROOT): Fingerprint {
  const lock = join(root, 'package-lock.json');
  return {
    code: codeFingerprint(root),
    lockfileSha256: existsSync(lock) ? sha256File(lock) : null,
    node: process.version,
    tfjsCore: tfjsVersion,
    platform: `${process.platform}-${process.arch}`,
    backend,
  };
}

/** The fingerprint as MLflow tags (the reserved git tag plus untangle.*). */
export function fingerprintTags(f: Fingerprint): Record<string, string> {
  const tags: Record<string, string> = {
    'untangle.git.dirty': String(f.code.dirty),
    'untangle.lockfile_sha256': f.lockfileSha256 ?? 'none',
    'untangle.node': f.node,
    'untangle.tfjs_core': f.tfjsCore,
    'untangle.platform': f.platform,
    'untangle.backend': f.backend.name,
  };
  if (f.code.commit) tags['mlflow.source.git.commit'] = f.code.commit;
  if (f.code.branch) tags['mlflow.source.git.branch'] = f.code.branch;
  if (f.code.diffSha256) tags['untangle.git.diff_sha256'] = f.code.diffSha256;
  for (const [k, v] of Object.entries(f.backend.versions)) tags[`untangle.backend.${k.replace(/[^\w.\- /]/g, '_')}`] = v;
  return tags;
}

export function readPackageVersion(): string {
  const p = join(PACKAGE_ROOT, 'package.json');
  return existsSync(p) ? String((JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? '0') : '0';
}
