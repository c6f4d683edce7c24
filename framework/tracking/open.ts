import { resolve } from 'node:path';
import { FileStore } from './filestore.ts';
import type { Tracker } from './types.ts';
import { MlflowRestClient, OfflineFirstTracker } from './rest/index.ts';

const REMOTE = /^https?:\/\//;

/** `tracking.uri` if set, else MLFLOW_TRACKING_URI, else the local store `runs`. */
export function trackingUri(configured: string | null | undefined): string {
  return configured ?? process.env.MLFLOW_TRACKING_URI ?? 'runs';
}

/** The local store every run is written to first (also when a remote server is the destination). */
export function localStoreDir(uri: string | null | undefined, cwd: string): string {
  const u = trackingUri(uri);
  return REMOTE.test(u) ? resolve(cwd, process.env.UNTANGLE_LOCAL_STORE ?? 'runs') : resolve(cwd, u.replace(/^file:\/\//, ''));
}

/**
 * The tracker for a `tracking.uri`. A directory (or file: URI) is the local MLflow FileStore; an
 * http(s) URL is that server, offline-first: every event lands in the local store, and a
 * background flusher replays it to the server, so a server that is down loses nothing.
 */
export function openTracker(uri: string | null | undefined, cwd: string): Tracker {
  const u = trackingUri(uri);
  const local = new FileStore(localStoreDir(u, cwd));
  if (!REMOTE.test(u)) return local;
  return new OfflineFirstTracker(local, new MlflowRestClient({ uri: u }), { localRoot: local.root });
}
