import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ComponentRegistry } from '../registry/registry.ts';
import type { ComponentNode } from '../registry/types.ts';
import { Instantiator } from '../registry/instantiate.ts';
import { composeConfig } from '../config/compose.ts';
import { ConfigError } from '../config/issues.ts';
import { diffConfigs, formatChanges } from '../config/diff.ts';
import type { ConfigMap } from '../config/tree.ts';
import { sections } from '../trainer/parts.ts';
import { defaultResolvers } from '../trainer/resolvers.ts';
import { RESOLVED_CONFIG_REL } from '../trainer/resolvers.ts';
import { selectBackend } from '../backends/select.ts';
import type { FileStore } from '../tracking/filestore.ts';
import type { RunRecord } from '../tracking/types.ts';
import type { Dataset } from '../contracts/index.ts';
import { UntangleError } from '../util/errors.ts';
import { fingerprint, fingerprintTags } from './fingerprint.ts';

/** One line of the fingerprint audit: what the run recorded against what this machine has now. */
export interface AuditItem {
  name: string;
  recorded: string;
  current: string;
  ok: boolean;
  /** Details of a difference (config key paths, an error). */
  detail?: string;
}

export interface FingerprintAudit {
  runId: string;
  items: AuditItem[];
  ok: boolean;
}

/** The tags a run records about its environment, compared one by one (names as printed). */
const ENV_TAGS: [string, string][] = [
  ['git commit', 'mlflow.source.git.commit'],
  ['git dirty', 'untangle.git.dirty'],
  ['git diff sha256', 'untangle.git.diff_sha256'],
  ['package-lock sha256', 'untangle.lockfile_sha256'],
  ['node', 'untangle.node'],
  ['tfjs-core', 'untangle.tfjs_core'],
  ['platform', 'untangle.platform'],
  ['backend', 'untangle.backend'],
];

export function requireRun(store: FileStore, runId: string): { rec: RunRecord; dir: string } {
  const rec = store.getRun(runId);
  const dir = store.artifactDir(runId);
  if (!rec || !dir) throw new UntangleError('run-not-found', `no run '${runId}' in ${store.root}`, {}, 'list runs with `untangle runs`');
  return { rec, dir };
}

export function recordedConfig(dir: string, runId: string): { path: string; config: ConfigMap } {
  const path = join(dir, RESOLVED_CONFIG_REL);
  if (!existsSync(path)) throw new UntangleError('run-no-config', `run '${runId}' has no recorded config (${RESOLVED_CONFIG_REL})`, {});
  return { path, config: parseYaml(readFileSync(path, 'utf8')) as ConfigMap };
}

/**
 * `untangle audit RUN_ID`, without compute: code (commit, dirty diff hash), lockfile, Node, tfjs,
 * backend and its versions, the dataset digest (the dataset component rebuilt from the recorded
 * config), and the config hash (the recorded resolved config composed again under today's
 * registry and schema defaults, so a changed or added default shows up as a config change).
 */
export async function auditFingerprint(opts: { registry: ComponentRegistry; store: FileStore; runId: string; cwd?: string }): Promise<FingerprintAudit> {
  const cwd = opts.cwd ?? process.cwd();
  const { rec, dir } = requireRun(opts.store, opts.runId);
  const { path, config } = recordedConfig(dir, opts.runId);
  const s = sections(config);
  const backend = await selectBackend(s.runtime.backend, { threads: s.runtime.threads, device: s.runtime.device, deterministic: s.runtime.deterministic, log: () => undefined });
  const now = fingerprintTags(fingerprint({ name: backend.name, versions: backend.versions }));
  const items: AuditItem[] = [];
  const cmp = (name: string, recorded: string | undefined, current: string | undefined, detail?: string) => {
    const r = recorded ?? '(none)';
    const c = current ?? '(none)';
    items.push({ name, recorded: r, current: c, ok: r === c, detail: r === c ? undefined : detail });
  };
  for (const [name, tag] of ENV_TAGS) cmp(name, rec.tags[tag], now[tag]);
  const versionKeys = [...new Set([...Object.keys(rec.tags), ...Object.keys(now)].filter((k) => k.startsWith('untangle.backend.') && k !== 'untangle.backend.reason'))].sort();
  for (const k of versionKeys) cmp(`backend ${k.slice('untangle.backend.'.length)}`, rec.tags[k], now[k]);

  // The data: rebuild the training set from the recorded config and ask it for its digest.
  try {
    const ds = new Instantiator(opts.registry, opts.registry.runScope(), s.seed).instantiate<Dataset>(s.data.train as ComponentNode, 'data.train');
    const fp = ds.fingerprint();
    cmp('dataset', `${rec.tags['untangle.dataset.name']} ${rec.tags['untangle.dataset.digest']}`, `${fp.name} ${fp.digest}`, `source: ${rec.tags['untangle.dataset.source']} → ${fp.source}`);
  } catch (e) {
    items.push({ name: 'dataset', recorded: rec.tags['untangle.dataset.digest'] ?? '(none)', current: '(cannot build)', ok: false, detail: messageOf(e) });
  }

  try {
    const again = composeConfig({ baseFiles: [path], overrides: [], registry: opts.registry, cwd, resolvers: defaultResolvers(cwd) });
    const changes = diffConfigs(config, again.config);
    cmp('config sha256', rec.tags['untangle.config_sha256'], again.hash, changes.length ? `the recorded config under today's schemas and defaults:\n${formatChanges(changes)}` : 'the recorded resolved config differs from the hash recorded with it');
  } catch (e) {
    items.push({ name: 'config sha256', recorded: rec.tags['untangle.config_sha256'] ?? '(none)', current: '(does not compose)', ok: false, detail: messageOf(e) });
  }
  return { runId: opts.runId, items, ok: items.every((i) => i.ok) };
}

function messageOf(e: unknown): string {
  if (e instanceof ConfigError || e instanceof UntangleError) return e.format();
  return e instanceof Error ? e.message : String(e);
}

export function formatFingerprintAudit(a: FingerprintAudit): string {
  const w = Math.max(...a.items.map((i) => i.name.length));
  const short = (v: string) => (v.length > 20 && /^[0-9a-f]+$/.test(v) ? v.slice(0, 12) : v);
  const lines = a.items.map((i) => {
    const head = `${i.ok ? 'ok  ' : 'DIFF'}  ${i.name.padEnd(w)}  ${i.ok ? short(i.recorded) : `${short(i.recorded)} → ${short(i.current)}`}`;
    return i.detail ? `${head}\n${i.detail.split('\n').map((l) => `        ${l}`).join('\n')}` : head;
  });
  const bad = a.items.filter((i) => !i.ok).length;
  return `fingerprint audit of run ${a.runId}\n${lines.join('\n')}\n${bad ? `${bad} difference(s)` : 'pass: code, environment, data and config match'}\n`;
}
