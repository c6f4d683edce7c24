import { resolve } from 'node:path';
import { FileStore } from './filestore.ts';
import type { Tracker } from './types.ts';

/** The local store every run is written to first (also when a remote server is the destination). */
export function localStoreDir(uri: string, cwd: string): string {
  return /^https?:\/\//.test(uri) ? resolve(cwd, process.env.UNTANGLE_LOCAL_STORE ?? 'runs') : resolve(cwd, uri.replace(/^file:\/\//, ''));
}

/** The tracker for a `tracking.uri`: a directory (or file: URI) is the local MLflow FileStore. */
export function openTracker(uri: string, cwd: string): Tracker {
  return new FileStore(localStoreDir(uri, cwd));
}
