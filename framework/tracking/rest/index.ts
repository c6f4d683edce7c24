/** Public surface of the MLflow server integration (REST client, offline-first sync). */
export { MlflowRestClient, mlflowErrorCode, isAmbiguous } from './client.ts';
export type { MlflowRestClientOptions, RemoteExperiment, CreateRemoteRun, LogBatchInput } from './client.ts';
export { authFromEnv, type MlflowAuth } from './auth.ts';
export { DEFAULT_RETRY, type RetryPolicy } from './http.ts';
export { syncRun, syncRuns, unsyncedRuns, LOCAL_RUN_ID_TAG, PARENT_RUN_ID_TAG } from './sync.ts';
export type { SyncOptions, RunSyncResult, SyncReport, SyncReportEntry } from './sync.ts';
export { BackgroundFlusher, type FlusherOptions, type FlushOutcome } from './flusher.ts';
export { OfflineFirstTracker, type OfflineFirstOptions, type CloseReport } from './offline-tracker.ts';
export { runBacklog, describeBacklog, type Backlog } from './backlog.ts';
export { PARAM_ARTIFACT_TAG_PREFIX } from './oversized.ts';
