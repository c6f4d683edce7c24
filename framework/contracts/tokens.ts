import type { InjectionToken } from 'tsyringe';
import type { BackendInfo, DatasetCache, RunTracker } from './services.ts';

/**
 * The tokens of the run-scoped services (services.ts). Strings, so a missing
 * service's error names it; typed, so `ctx.resolve(TRACKER)` is a RunTracker without a cast.
 */
export const TRACKER: InjectionToken<RunTracker> = 'untangle.TRACKER';
export const BACKEND: InjectionToken<BackendInfo> = 'untangle.BACKEND';
export const DATASET_CACHE: InjectionToken<DatasetCache> = 'untangle.DATASET_CACHE';

/** The services a scope may hold, by the name its error messages use. */
export interface RunServices {
  tracker?: RunTracker;
  backend?: BackendInfo;
  datasetCache?: DatasetCache;
}

export function tokenName(token: InjectionToken<unknown>): string {
  return typeof token === 'string' ? token : typeof token === 'symbol' ? token.toString() : 'a class token';
}
