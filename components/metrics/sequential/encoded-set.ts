import * as tf from '@tensorflow/tfjs-core';
import type { ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { isStaticDynamicModel, type StaticDynamicModel } from '../../models/sequential/types.ts';

/**
 * A data set passed once through a static/dynamic encoder: every code and every requested batch
 * key, flat and row-major, so probes and predictors can split and refit without re-encoding.
 */
export interface EncodedSet {
  n: number;
  /** Steps of the dynamic code (T'). */
  steps: number;
  staticDim: number;
  dynamicDim: number;
  /** `[n, staticDim]`. */
  s: Float32Array;
  /** `[n, steps, dynamicDim]`. */
  d: Float32Array;
  /** Each requested batch key, flat, with its per-example shape. */
  keys: Record<string, { data: Float32Array; shape: number[] }>;
}

export function requireStaticDynamic(ctx: ModelMetricContext, metric: string): StaticDynamicModel {
  const model = ctx.model;
  if (!isStaticDynamicModel(model)) {
    throw new UntangleError(`${metric}.model`, `${model.constructor.name} has no static/dynamic split for ${metric}`, {},
      'use a model implementing StaticDynamicModel (encodeParts), e.g. DSVAE or DiffSDA');
  }
  return model;
}

/**
 * Encodes `n` examples (a random subset when the data set is larger) and gathers `keys` from the
 * same batches. A key the data set does not provide is an error naming the keys it does provide.
 */
export function encodeSet(ctx: ModelMetricContext, metric: string, n: number, keys: readonly string[]): EncodedSet {
  const model = requireStaticDynamic(ctx, metric);
  for (const k of keys) {
    if (!(k in ctx.dataset.elementSpec)) {
      throw new UntangleError(`${metric}.key`, `the data set has no batch key '${k}'`, { provided: Object.keys(ctx.dataset.elementSpec) });
    }
  }
  const count = Math.min(n, ctx.dataset.size);
  const idx = ctx.rng.permutation(ctx.dataset.size).subarray(0, count);
  const s: Float32Array[] = [], d: Float32Array[] = [];
  const gathered: Record<string, Float32Array[]> = Object.fromEntries(keys.map((k) => [k, []]));
  let steps = -1;
  for (let b = 0; b < count; b += ctx.batchSize) {
    const batch = ctx.dataset.batch(idx.subarray(b, Math.min(count, b + ctx.batchSize)));
    tf.tidy(() => {
      const parts = model.encodeParts(batch.x);
      steps = parts.dynamic.shape[1];
      s.push(Float32Array.from(parts.static.dataSync()));
      d.push(Float32Array.from(parts.dynamic.dataSync()));
    });
    for (const k of keys) gathered[k].push(Float32Array.from(batch[k].dataSync()));
    tf.dispose(Object.values(batch));
  }
  const cat = (parts: Float32Array[]): Float32Array => {
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  return {
    n: count, steps, staticDim: model.staticDim, dynamicDim: model.dynamicDim, s: cat(s), d: cat(d),
    keys: Object.fromEntries(keys.map((k) => [k, { data: cat(gathered[k]), shape: ctx.dataset.elementSpec[k] }])),
  };
}

/** Per-column z-scoring with the statistics of the `train` rows only (std 0 → 1). */
export function standardize(x: Float64Array, n: number, dim: number, train: ArrayLike<number>): Float64Array {
  const mean = new Float64Array(dim), sq = new Float64Array(dim);
  for (let i = 0; i < train.length; i++) {
    for (let j = 0; j < dim; j++) mean[j] += x[train[i] * dim + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, train.length);
  for (let i = 0; i < train.length; i++) {
    for (let j = 0; j < dim; j++) sq[j] += (x[train[i] * dim + j] - mean[j]) ** 2;
  }
  const out = new Float64Array(n * dim);
  for (let j = 0; j < dim; j++) {
    const sd = Math.sqrt(sq[j] / Math.max(1, train.length));
    const inv = sd > 1e-12 ? 1 / sd : 1;
    for (let i = 0; i < n; i++) out[i * dim + j] = (x[i * dim + j] - mean[j]) * inv;
  }
  return out;
}

/** Rows `rows` of a row-major `[*, dim]` matrix. */
export function takeRows(x: Float64Array, dim: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i] * dim, rows[i] * dim + dim), i * dim);
  return out;
}
