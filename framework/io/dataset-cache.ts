import { resolve } from 'node:path';
import type { DatasetCache } from '../contracts/services.ts';

/** Data-set caches of a command working in `cwd`: relative `cache_dir`s are resolved there, not in the process's cwd. */
export function datasetCache(cwd: string): DatasetCache {
  return { dir: (cacheDir) => resolve(cwd, cacheDir) };
}
