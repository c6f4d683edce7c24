/**
 * Periodically replays a live run to the server while training goes on.
 *
 * Training is never blocked: the flusher only reads the local store, runs on timers that do not
 * keep the process alive (unref), and never throws into its caller. When the server is down, it
 * warns once per outage (and again at most every `warnEveryMs`) naming the backlog, keeps
 * retrying every tick, and says so when the server is back and the backlog is replayed.
 */
import { UntangleError, isUntangleError } from '../../util/errors.ts';
import type { MlflowRestClient } from './client.ts';
import { describeBacklog, runBacklog, type Backlog } from './backlog.ts';
import { syncRun, type RunSyncResult, type SyncOptions } from './sync.ts';

export interface FlusherOptions {
  intervalMs?: number;
  warn?: (message: string) => void;
  /** Minimum time between two repeated warnings about the same outage. */
  warnEveryMs?: number;
  sync?: SyncOptions;
}

export type FlushOutcome =
  | { ok: true; result: RunSyncResult }
  | { ok: false; error: UntangleError; backlog: Backlog; timedOut?: boolean };

export class BackgroundFlusher {
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<FlushOutcome | null> = Promise.resolve(null);
  private outageSince: number | null = null;
  private lastWarnAt = 0;
  private stopping = false;
  private readonly warn: (message: string) => void;

  constructor(
    readonly localRoot: string,
    readonly runId: string,
    private readonly client: MlflowRestClient,
    private readonly opts: FlusherOptions = {},
  ) {
    this.warn = opts.warn ?? ((m) => process.stderr.write(`untangle: ${m}\n`));
  }

  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => { void this.flushNow(); }, this.opts.intervalMs ?? 5000);
    this.timer.unref();
    return this;
  }

  /** One sync, queued behind any in flight (never two syncs of the run at once). Never rejects. */
  flushNow(): Promise<FlushOutcome> {
    const next = this.chain.then(() => this.once());
    this.chain = next.catch(() => null);
    return next;
  }

  backlog(): Backlog {
    return runBacklog(this.localRoot, this.runId, this.client.uri);
  }

  /** Stop the timer and make a final flush, waiting at most `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<FlushOutcome> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const final = this.flushNow();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<FlushOutcome>((resolve) => {
      timer = setTimeout(() => {
        this.stopping = true; // let the in-flight sync stop between batches
        const error = new UntangleError('MLFLOW_FLUSH_TIMEOUT', `final flush to ${this.client.uri} did not finish within ${timeoutMs} ms`,
          { runId: this.runId }, `the run is complete in the local store; push the rest with \`untangle sync ${this.runId}\``);
        resolve({ ok: false, error, backlog: this.safeBacklog(), timedOut: true });
      }, timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([final, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async once(): Promise<FlushOutcome> {
    try {
      const result = await syncRun(this.localRoot, this.runId, this.client, {
        warn: this.warn, ...this.opts.sync, shouldStop: () => this.stopping,
      });
      if (this.outageSince !== null) {
        this.warn(`MLflow server ${this.client.uri} is reachable again; run ${this.runId} replayed (${result.metricsSent} metric points sent)`);
        this.outageSince = null;
      }
      return { ok: true, result };
    } catch (e) {
      const error = isUntangleError(e) ? e : new UntangleError('SYNC_FAILED', String((e as Error)?.message ?? e), { runId: this.runId });
      const backlog = this.safeBacklog();
      const now = Date.now();
      if (this.outageSince === null || now - this.lastWarnAt >= (this.opts.warnEveryMs ?? 60_000)) {
        this.outageSince ??= now;
        this.lastWarnAt = now;
        this.warn(`cannot sync run ${this.runId} to ${this.client.uri} [${error.code}: ${this.client.http.redact(error.message)}]; ` +
          `backlog kept locally: ${describeBacklog(backlog)}; training continues, retrying in the background`);
      }
      return { ok: false, error, backlog };
    }
  }

  private safeBacklog(): Backlog {
    try {
      return this.backlog();
    } catch {
      return { metricPoints: -1, otherEvents: -1 };
    }
  }
}
