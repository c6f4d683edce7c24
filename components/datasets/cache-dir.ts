import type { BuildContext } from '../../framework/registry/types.ts';
import { DATASET_CACHE } from '../../framework/contracts/index.ts';

/**
 * The directory a data set's `cache_dir` param names, as the run's DATASET_CACHE service places
 * it (relative to the run's working directory). No `cache_dir`, no cache, and no service needed.
 */
export function runCacheDir(cacheDir: string | null | undefined, ctx: BuildContext): string | undefined {
  return cacheDir === undefined || cacheDir === null ? undefined : ctx.resolve(DATASET_CACHE).dir(cacheDir);
}
