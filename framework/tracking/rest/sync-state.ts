/**
 * The sync sidecar: what of one local run has been confirmed by one server.
 *
 * It lives next to the run, `<run_dir>/.untangle-sync-<server hash>.json`, not in a
 * `runs/.untangle-sync/` folder: MLflow's FileStore treats every directory directly under the
 * root as an experiment and logs a "Malformed experiment" traceback for each one without a
 * meta.yaml, on every listing (`mlflow ui` included). A dot-file inside a run directory is never
 * read by MLflow. One file per server (keyed by the credential-free URI) keeps syncs to two
 * servers from confusing each other, and a run copied to another machine carries its state.
 *
 * Writes are atomic (temp file, rename), so a kill at any instant leaves either the old or the
 * new state, never a torn one. A lock file serialises syncs of one run across processes
 * (a background flusher and `untangle sync` running at the same time).
 */
import { existsSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { UntangleError } from '../../util/errors.ts';
import type { RunStatus } from '../types.ts';
import { sanitizeKey } from './limits.ts';

export interface ByteRange { from: number; to: number }

export interface SyncState {
  version: 1;
  /** Credential-free server URI. */
  server: string;
  localRunId: string;
  remoteRunId: string | null;
  remoteExperimentId: string | null;
  remoteArtifactUri: string | null;
  /** Per local metric key: bytes of the metric file the server has confirmed. */
  metricOffsets: Record<string, number>;
  /**
   * Byte ranges of a metric batch that was (maybe) sent but not confirmed. On the next sync
   * these are reconciled against the server's metric history before anything is re-sent.
   */
  pending: Record<string, ByteRange>;
  /** Param key → sha256 of the value pushed. */
  params: Record<string, string>;
  /** Tag key → value pushed (after parent-id mapping). */
  tags: Record<string, string>;
  /** Artifact path → size and mtime of the local file when pushed. */
  artifacts: Record<string, { size: number; mtimeMs: number }>;
  /** Artifact path → sha256 of an oversized param/tag value stored there. */
  valueArtifacts: Record<string, string>;
  /** Status last pushed. */
  status: { status: RunStatus; endTime: number | null } | null;
  /** Everything local, including a terminal status, is on the server. */
  complete: boolean;
  updatedAt: number;
}

export function serverKey(serverUri: string): string {
  return createHash('sha256').update(serverUri.replace(/\/+$/, '')).digest('hex').slice(0, 12);
}

export function statePath(runDir: string, serverUri: string): string {
  return join(runDir, `.untangle-sync-${serverKey(serverUri)}.json`);
}

export function freshState(serverUri: string, localRunId: string): SyncState {
  return {
    version: 1, server: serverUri, localRunId, remoteRunId: null, remoteExperimentId: null, remoteArtifactUri: null,
    metricOffsets: {}, pending: {}, params: {}, tags: {}, artifacts: {}, valueArtifacts: {}, status: null, complete: false, updatedAt: 0,
  };
}

export function loadState(runDir: string, serverUri: string): SyncState | null {
  const path = statePath(runDir, serverUri);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UntangleError('SYNC_STATE_CORRUPT', `sync state ${path} is not valid JSON`, { path, error: (e as Error).message },
      'delete the file to re-sync this run from scratch (points already on the server are recognised and not duplicated)');
  }
  if (parsed === null || typeof parsed !== 'object' || (parsed as { version?: unknown }).version !== 1) {
    throw new UntangleError('SYNC_STATE_CORRUPT', `sync state ${path} has an unknown format`, { path });
  }
  return { ...freshState(serverUri, ''), ...(parsed as Partial<SyncState>) } as SyncState;
}

export function saveState(runDir: string, state: SyncState): void {
  const path = statePath(runDir, state.server);
  const tmp = `${path}.tmp-${process.pid}`;
  state.updatedAt = Date.now();
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Hold the run's sync lock while `fn` runs. A lock left by a dead process is taken over.
 * Waiting polls, so it also serialises two syncs of the same run inside one process.
 */
export async function withSyncLock<T>(runDir: string, serverUri: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = join(runDir, `.untangle-sync-${serverKey(serverUri)}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released between our open and read
      }
      if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
        try { unlinkSync(lock); } catch { /* someone else took it over first */ }
        continue;
      }
      if (Date.now() > deadline) {
        throw new UntangleError('SYNC_LOCKED', `another sync of this run is in progress (pid ${holder})`, { runDir, lock },
          'wait for it to finish; if that process is gone, delete the lock file');
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    return await fn();
  } finally {
    try { unlinkSync(lock); } catch { /* already gone */ }
  }
}

/** Whether a local param has reached the server (as a param, or as its oversized-value artifact). */
export function paramPushed(state: SyncState, localKey: string): boolean {
  const k = sanitizeKey(localKey);
  return k in state.params || `params/${k}.txt` in state.valueArtifacts;
}

export function tagPushed(state: SyncState, localKey: string): boolean {
  return sanitizeKey(localKey) in state.tags;
}
