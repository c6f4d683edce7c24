/**
 * How much of a local run a server has not confirmed yet: what a "server down" warning names.
 */
import { findLocalRun, listLocalArtifacts, localArtifactDir, readKeyValues, readRunMeta } from './layout.ts';
import { pendingMetricPoints } from './metric-replay.ts';
import { loadState, paramPushed, tagPushed } from './sync-state.ts';

export interface Backlog {
  metricPoints: number;
  /** Params, tags, artifacts and status changes not yet confirmed. */
  otherEvents: number;
}

export function runBacklog(localRoot: string, runId: string, serverUri: string): Backlog {
  const loc = findLocalRun(localRoot, runId);
  if (!loc) return { metricPoints: 0, otherEvents: 0 };
  const state = loadState(loc.runDir, serverUri);
  const info = readRunMeta(loc);
  let other = 0;
  const params = readKeyValues(loc.runDir, 'params');
  const tags = readKeyValues(loc.runDir, 'tags');
  // By key: a key never pushed counts (a changed tag value is caught by the next sync anyway).
  for (const k of Object.keys(params)) if (!state || !paramPushed(state, k)) other++;
  for (const k of Object.keys(tags)) if (!state || !tagPushed(state, k)) other++;
  for (const a of listLocalArtifacts(localArtifactDir(loc, info))) {
    const seen = state?.artifacts[a.rel];
    if (!seen || seen.size !== a.size || seen.mtimeMs !== a.mtimeMs) other++;
  }
  if (!state?.status || state.status.status !== info.status || state.status.endTime !== info.endTime) other++;
  return { metricPoints: pendingMetricPoints(loc.runDir, state), otherEvents: other };
}

export function describeBacklog(b: Backlog): string {
  return `${b.metricPoints} metric point${b.metricPoints === 1 ? '' : 's'} and ${b.otherEvents} other event${b.otherEvents === 1 ? '' : 's'} (params/tags/artifacts/status)`;
}
