/**
 * Run-scoped services a component may ask its construction context for (`ctx.resolve(TOKEN)`,
 * tokens in tokens.ts). Each is registered by the command that builds the
 * components (a run, `untangle eval`, an audit) in that command's own child container, so two runs
 * in one process never share one, and a command that has no such service (e.g. `untangle score`
 * has no tracked run) says so by name instead of handing out a stand-in.
 */

/** The tracked run a component writes into: the run being trained, or the run `untangle eval` evaluates. */
export interface RunTracker {
  readonly runId: string;
  /** The run's artifact directory on disk. */
  readonly artifactDir: string;
  /** Write an artifact into the run (relative path under artifacts/). */
  logArtifact(relPath: string, data: string | Uint8Array): void;
}

/** The tensor backend the run's components compute on (what `runtime.backend` selected). */
export interface BackendInfo {
  readonly name: string;
  /** Why it was chosen (`auto` order, or the config named it). */
  readonly reason: string;
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * Where generated data sets keep their on-disk caches. A relative `cache_dir` param is a path
 * relative to the run's working directory (RunRequest.cwd), which need not be the process's.
 */
export interface DatasetCache {
  /** The absolute cache directory a data set's `cache_dir` param names. */
  dir(cacheDir: string): string;
}
