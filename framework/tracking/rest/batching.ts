/**
 * Split a set of metrics/params/tags into log-batch request bodies that the server accepts:
 * ≤1000 metrics, ≤100 params, ≤100 tags, ≤1000 entities and ≤1 MB of JSON per request.
 * Order is kept within each kind (metric history order is part of what we replay).
 */
import type { MetricPoint } from '../types.ts';
import {
  encodeMetricValue, MAX_BATCH_BODY_BYTES, MAX_ENTITIES_PER_BATCH, MAX_METRICS_PER_BATCH,
  MAX_PARAMS_PER_BATCH, MAX_TAGS_PER_BATCH,
} from './limits.ts';

export interface WireMetric { key: string; value: number | string; timestamp: number; step: number }
export interface WireKeyValue { key: string; value: string }

export interface LogBatchBody {
  run_id: string;
  metrics: WireMetric[];
  params: WireKeyValue[];
  tags: WireKeyValue[];
}

export function toWireMetric(p: MetricPoint): WireMetric {
  return { key: p.key, value: encodeMetricValue(p.value), timestamp: Math.round(p.timestamp), step: Math.round(p.step) };
}

/** Bytes one entity adds to the body: its JSON plus a separating comma. */
function entityBytes(e: WireMetric | WireKeyValue): number {
  return Buffer.byteLength(JSON.stringify(e), 'utf8') + 1;
}

export function planLogBatches(
  runId: string,
  input: { metrics?: MetricPoint[]; params?: WireKeyValue[]; tags?: WireKeyValue[] },
): LogBatchBody[] {
  const envelope = Buffer.byteLength(JSON.stringify({ run_id: runId, metrics: [], params: [], tags: [] }), 'utf8');
  const batches: LogBatchBody[] = [];
  let cur: LogBatchBody = { run_id: runId, metrics: [], params: [], tags: [] };
  let bytes = envelope;
  const fits = (kind: 'metrics' | 'params' | 'tags', size: number): boolean => {
    const cap = kind === 'metrics' ? MAX_METRICS_PER_BATCH : kind === 'params' ? MAX_PARAMS_PER_BATCH : MAX_TAGS_PER_BATCH;
    const entities = cur.metrics.length + cur.params.length + cur.tags.length;
    return cur[kind].length < cap && entities < MAX_ENTITIES_PER_BATCH && bytes + size <= MAX_BATCH_BODY_BYTES;
  };
  const push = <K extends 'metrics' | 'params' | 'tags'>(kind: K, e: LogBatchBody[K][number]): void => {
    const size = entityBytes(e);
    if (!fits(kind, size)) {
      batches.push(cur);
      cur = { run_id: runId, metrics: [], params: [], tags: [] };
      bytes = envelope;
    }
    (cur[kind] as Array<LogBatchBody[K][number]>).push(e);
    bytes += size;
  };
  // Params and tags first: a run's identity (parent link, name) should land before its curves.
  for (const p of input.params ?? []) push('params', p);
  for (const t of input.tags ?? []) push('tags', t);
  for (const m of input.metrics ?? []) push('metrics', toWireMetric(m));
  if (cur.metrics.length + cur.params.length + cur.tags.length > 0) batches.push(cur);
  return batches;
}
