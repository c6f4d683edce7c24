/**
 * Exactly-once replay of metric files to a remote run.
 *
 * Protocol (write-ahead, per batch):
 *   1. record the batch's byte ranges as `pending` in the sidecar (atomic write);
 *   2. send the batch;
 *   3. on confirmation, advance the offsets to the ends of the ranges and clear `pending`.
 *
 * A kill or an ambiguous failure (timeout, reset, 5xx: the server may or may not have applied
 * the batch, or part of it) leaves `pending` set. Before sending anything new, a pending range is
 * reconciled: the server's metric history for that key is fetched, the points of the confirmed
 * prefix [0, from) are matched off first, then each point of [from, to) that is still matched
 * by an unclaimed server point is known to be there and is skipped; only the rest is re-sent.
 * Matching is by multiset on (timestamp, step, value), so it is exact even when a run logs the
 * same point twice, and it does not depend on the server deduplicating (SQL stores do, a
 * FileStore-backed server does not).
 *
 * The one window this cannot close: a request that timed out on our side but is still being
 * processed by the server when we read its history. SQL backends drop the resulting duplicate by
 * primary key; we also wait a backoff before reconciling to make the window small.
 */
import type { MetricPoint } from '../types.ts';
import type { MlflowRestClient } from './client.ts';
import { isAmbiguous } from './client.ts';
import { MAX_BATCH_BODY_BYTES, MAX_METRICS_PER_BATCH, metricPointIdentity, sanitizeKey } from './limits.ts';
import { listMetricFiles } from './layout.ts';
import { readMetricSlice } from './metric-lines.ts';
import { saveState, type ByteRange, type SyncState } from './sync-state.ts';

export interface MetricReplayOptions {
  /** Test hook: runs after a batch was sent and before the confirmation is recorded (simulate a kill). */
  afterSend?: (batch: { points: number }) => void;
  /** Rounds of reconcile-and-resend after ambiguous failures within one sync. */
  maxRounds?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Stop between batches when this returns true (bounded shutdown). */
  shouldStop?: () => boolean;
}

export interface MetricReplayResult {
  sent: number;
  /** Points of pending ranges found already on the server (not re-sent). */
  alreadyThere: number;
}

type Chunk = { ranges: Record<string, ByteRange>; points: MetricPoint[] };

export async function replayMetrics(
  runDir: string, state: SyncState, client: MlflowRestClient, opts: MetricReplayOptions = {},
): Promise<MetricReplayResult> {
  const remoteRunId = state.remoteRunId!;
  const files = new Map(listMetricFiles(runDir).map((f) => [f.key, f.path]));
  const result: MetricReplayResult = { sent: 0, alreadyThere: 0 };
  const maxRounds = opts.maxRounds ?? 4;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  for (let round = 0; ; round++) {
    try {
      if (Object.keys(state.pending).length > 0) await settlePending(runDir, state, client, files, result, opts);
      for (const chunk of newChunks(files, state)) {
        if (opts.shouldStop?.()) return result;
        state.pending = chunk.ranges;
        saveState(runDir, state);
        await client.logBatch(remoteRunId, { metrics: chunk.points });
        opts.afterSend?.({ points: chunk.points.length });
        confirm(state, chunk.ranges);
        saveState(runDir, state);
        result.sent += chunk.points.length;
      }
      return result;
    } catch (e) {
      // Ambiguous: the batch may be partly applied. Wait, then the next round reconciles it.
      if (!isAmbiguous(e) || round + 1 >= maxRounds) throw e;
      await sleep(Math.min(8000, 500 * 2 ** round));
    }
  }
}

function confirm(state: SyncState, ranges: Record<string, ByteRange>): void {
  for (const [key, r] of Object.entries(ranges)) state.metricOffsets[key] = r.to;
  state.pending = {};
}

/** Resolve every pending range against the server's history, re-send what is missing, confirm. */
async function settlePending(
  runDir: string, state: SyncState, client: MlflowRestClient, files: Map<string, string>,
  result: MetricReplayResult, opts: MetricReplayOptions,
): Promise<void> {
  const missing: MetricPoint[] = [];
  for (const [key, range] of Object.entries(state.pending)) {
    const path = files.get(key);
    if (!path) continue; // the file vanished locally; nothing to reconcile
    const remoteKey = sanitizeKey(key);
    const history = await client.getMetricHistory(state.remoteRunId!, remoteKey);
    const unclaimed = new Map<string, number>();
    for (const p of history) unclaimed.set(metricPointIdentity(p), (unclaimed.get(metricPointIdentity(p)) ?? 0) + 1);
    const claim = (p: MetricPoint): boolean => {
      const id = metricPointIdentity(p);
      const n = unclaimed.get(id) ?? 0;
      if (n === 0) return false;
      unclaimed.set(id, n - 1);
      return true;
    };
    for (const { point } of readMetricSlice(path, key, 0, range.from).points) claim(point);
    for (const { point } of readMetricSlice(path, key, range.from, range.to).points) {
      if (claim(point)) result.alreadyThere++;
      else missing.push({ ...point, key: remoteKey });
    }
  }
  if (missing.length > 0) {
    // `pending` still covers these ranges: a failure here is reconciled again next time.
    await client.logBatch(state.remoteRunId!, { metrics: missing });
    opts.afterSend?.({ points: missing.length });
    result.sent += missing.length;
  }
  confirm(state, state.pending);
  saveState(runDir, state);
}

/**
 * New points since the confirmed offsets, cut into single-request chunks (≤1000 points, under
 * 1 MB). Each chunk covers a contiguous byte range per key, so offsets can advance per chunk.
 */
function* newChunks(files: Map<string, string>, state: SyncState): Generator<Chunk> {
  let chunk: Chunk = { ranges: {}, points: [] };
  let bytes = 200;
  for (const [key, path] of files) {
    const from = state.metricOffsets[key] ?? 0;
    const slice = readMetricSlice(path, key, from);
    const remoteKey = sanitizeKey(key);
    for (const { point, end } of slice.points) {
      const size = Buffer.byteLength(remoteKey, 'utf8') + 90; // {"key":…,"value":…,"timestamp":…,"step":…}
      if (chunk.points.length >= MAX_METRICS_PER_BATCH || bytes + size > MAX_BATCH_BODY_BYTES) {
        yield chunk;
        chunk = { ranges: {}, points: [] };
        bytes = 200;
      }
      const r = chunk.ranges[key];
      chunk.ranges[key] = { from: r ? r.from : (state.metricOffsets[key] ?? 0), to: end };
      chunk.points.push({ ...point, key: remoteKey });
      bytes += size;
    }
  }
  if (chunk.points.length > 0) yield chunk;
}

/** Points in metric files past the confirmed offsets (what a server outage has left to send). */
export function pendingMetricPoints(runDir: string, state: SyncState | null): number {
  let n = 0;
  for (const { key, path } of listMetricFiles(runDir)) {
    const from = state ? Math.min(state.metricOffsets[key] ?? 0, state.pending[key]?.from ?? Infinity) : 0;
    n += readMetricSlice(path, key, from).points.length;
  }
  return n;
}
