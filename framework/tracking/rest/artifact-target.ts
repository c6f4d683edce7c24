/**
 * Where a remote run's artifacts go, decided by the scheme of its artifact_uri:
 * - `mlflow-artifacts:/<exp>/<run>/artifacts` → the tracking server's artifact proxy
 *   (`PUT /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>`, raw bytes);
 * - `file:///abs/dir` → written directly (a server and client sharing a filesystem);
 * - anything else (s3:, gs:, wasbs:, hdfs:, …) → a clear error naming the scheme, because
 *   writing there needs that cloud's SDK and credentials, which untangle does not carry.
 */
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UntangleError } from '../../util/errors.ts';

export type ArtifactTarget =
  | { kind: 'proxy'; /** path under /api/2.0/mlflow-artifacts/artifacts/ */ prefix: string }
  | { kind: 'file'; dir: string };

export function artifactTarget(artifactUri: string, runId: string): ArtifactTarget {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(artifactUri);
  const scheme = m ? m[1].toLowerCase() : '';
  if (scheme === 'mlflow-artifacts') {
    // `mlflow-artifacts:/1/abc/artifacts` or `mlflow-artifacts://host:port/1/abc/artifacts`:
    // the proxy of the tracking server we talk to serves both.
    const rest = artifactUri.slice(m![0].length).replace(/^\/\/[^/]*/, '');
    return { kind: 'proxy', prefix: rest.replace(/^\/+/, '').replace(/\/+$/, '') };
  }
  if (scheme === 'file') return { kind: 'file', dir: fileURLToPath(artifactUri) };
  if (scheme === '' && artifactUri.startsWith('/')) return { kind: 'file', dir: artifactUri };
  throw new UntangleError(
    'MLFLOW_ARTIFACT_SCHEME',
    `cannot upload artifacts to '${scheme || artifactUri}' storage: only mlflow-artifacts: (server proxy) and file: are supported`,
    { runId, artifactUri, scheme: scheme || null },
    "start the server with artifact proxying (`mlflow server --artifacts-destination …`, the default) so runs get mlflow-artifacts: URIs; the artifacts stay in the local runs/ store meanwhile",
  );
}

/** Validate a relative artifact path: no absolute paths, no `..`, no empty segments. */
export function checkArtifactPath(relPath: string, runId: string): string[] {
  const segs = relPath.split('/');
  if (relPath.length === 0 || relPath.startsWith('/') || segs.some((s) => s === '' || s === '.' || s === '..')) {
    throw new UntangleError('MLFLOW_ARTIFACT_PATH', `invalid artifact path '${relPath}'`, { runId, path: relPath },
      'artifact paths are relative, slash-separated, without . or .. segments');
  }
  return segs;
}

/** The proxy URL path for one artifact (each segment percent-encoded). */
export function proxyPath(target: { prefix: string }, relPath: string, runId: string): string {
  const segs = checkArtifactPath(relPath, runId);
  const prefix = target.prefix.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  return `/api/2.0/mlflow-artifacts/artifacts/${prefix}/${segs.map(encodeURIComponent).join('/')}`;
}

/** Atomic write into a file: artifact root (temp file then rename; a reader never sees half a file). */
export function writeFileArtifact(dir: string, relPath: string, data: Uint8Array, runId: string): void {
  const segs = checkArtifactPath(relPath, runId);
  const root = resolve(dir);
  const dest = resolve(join(root, ...segs));
  if (!dest.startsWith(root + sep)) {
    throw new UntangleError('MLFLOW_ARTIFACT_PATH', `artifact path '${relPath}' escapes the artifact root`, { runId, root });
  }
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, dest);
}
