import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Dataset, DatasetFingerprint } from '../../../../framework/contracts/index.ts';
import { UntangleError } from '../../../../framework/util/errors.ts';

/** One multivariate recording as read from disk, before scaling. */
export interface SeriesRecord {
  /** `[T, F]` row-major raw values; NaN = missing. Steps at or past `length` are padding. */
  values: Float32Array;
  length: number;
  /** Per-sequence integer labels (e.g. month, station). */
  static: number[];
  /** Per-step extras by key, `[T, width]` row-major (NaN = none), e.g. day and rain. */
  perStep: Record<string, Float32Array>;
  /** Per-sequence extras by key (e.g. the in-hospital death flag). */
  perSequence: Record<string, number[]>;
}

export interface SeriesLayout {
  steps: number;
  features: string[];
  staticNames: string[];
  /** Width of each per-step key. */
  perStep: Record<string, number>;
  perSequence: Record<string, number>;
}

/** Per-feature mean and standard deviation over the observed, unpadded entries of `records`. */
export function observedStats(records: readonly SeriesRecord[], F: number): { mean: Float32Array; std: Float32Array } {
  const sum = new Float64Array(F), sq = new Float64Array(F), cnt = new Float64Array(F);
  for (const r of records) {
    for (let t = 0; t < r.length; t++) for (let f = 0; f < F; f++) {
      const v = r.values[t * F + f];
      if (!Number.isNaN(v)) { sum[f] += v; sq[f] += v * v; cnt[f]++; }
    }
  }
  const mean = Float32Array.from(sum, (v, f) => (cnt[f] > 0 ? v / cnt[f] : 0));
  // Population std (numpy's default); a constant or unobserved feature keeps scale 1.
  const std = Float32Array.from(sq, (v, f) => {
    const s = cnt[f] > 0 ? Math.sqrt(Math.max(0, v / cnt[f] - mean[f] ** 2)) : 0;
    return s > 1e-8 ? s : 1;
  });
  return { mean, std };
}

/**
 * Rotates steps [0, length) of a `[T, width]` block by `shift` (step t takes step t + shift),
 * leaving the padding in place. Signal, mask and every per-step label go through this one
 * function, so they cannot drift apart (the upstream shifted signals only, bug 3).
 */
export function cyclicShift(block: Float32Array, width: number, length: number, shift: number): Float32Array {
  const out = Float32Array.from(block);
  if (length <= 0) return out;
  const k = ((shift % length) + length) % length;
  for (let t = 0; t < length; t++) out.set(block.subarray(((t + k) % length) * width, ((t + k) % length) * width + width), t * width);
  return out;
}

/**
 * The data set side shared by the real-file time-series loaders: records scaled with statistics
 * from the training records (observed entries only), missing entries 0 with `mask` 0 (1 =
 * observed), optional cyclic-shift copies. Batch keys: x `[T, F]`, mask `[T, F]`, length `[]`,
 * static `[k]` int32, each per-step key `[T, w]` and each per-sequence key `[w]` float32.
 */
export class SeriesSet implements Dataset {
  readonly elementSpec: Record<string, number[]>;
  private readonly items: { record: number; shift: number }[] = [];

  constructor(
    readonly name: string,
    readonly layout: SeriesLayout,
    readonly records: readonly SeriesRecord[],
    readonly stats: { mean: Float32Array; std: Float32Array },
    shifts: readonly number[],
    private readonly digest: string,
    private readonly source: string,
  ) {
    if (records.length === 0) throw new UntangleError(`${name}.empty`, `${name}: no sequences in this split`, { source });
    records.forEach((_, i) => shifts.forEach((s) => this.items.push({ record: i, shift: s })));
    const T = layout.steps, F = layout.features.length;
    this.elementSpec = {
      x: [T, F], mask: [T, F], length: [], static: [layout.staticNames.length],
      ...Object.fromEntries(Object.entries(layout.perStep).map(([k, w]) => [k, [T, w]])),
      ...Object.fromEntries(Object.entries(layout.perSequence).map(([k, w]) => [k, [w]])),
    };
  }

  get size(): number { return this.items.length; }

  batch(indices: ArrayLike<number>): Batch {
    const n = indices.length, T = this.layout.steps, F = this.layout.features.length, K = this.layout.staticNames.length;
    const x = new Float32Array(n * T * F), mask = new Float32Array(n * T * F);
    const len = new Int32Array(n), stat = new Int32Array(n * K);
    const step = Object.fromEntries(Object.entries(this.layout.perStep).map(([k, w]) => [k, new Float32Array(n * T * w)]));
    const seq = Object.fromEntries(Object.entries(this.layout.perSequence).map(([k, w]) => [k, new Float32Array(n * w)]));
    for (let i = 0; i < n; i++) {
      const it = this.items[indices[i]];
      if (it === undefined) throw new UntangleError(`${this.name}.index`, `index ${indices[i]} is outside the data set`, { size: this.size });
      const r = this.records[it.record];
      const v = cyclicShift(r.values, F, r.length, it.shift);
      for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) {
        const raw = v[t * F + f], o = (i * T + t) * F + f;
        if (t < r.length && !Number.isNaN(raw)) { x[o] = (raw - this.stats.mean[f]) / this.stats.std[f]; mask[o] = 1; }
      }
      len[i] = r.length;
      stat.set(r.static, i * K);
      for (const [k, w] of Object.entries(this.layout.perStep)) step[k].set(cyclicShift(r.perStep[k], w, r.length, it.shift), i * T * w);
      for (const [k, w] of Object.entries(this.layout.perSequence)) seq[k].set(r.perSequence[k].slice(0, w), i * w);
    }
    const out: Batch = {
      x: tf.tensor3d(x, [n, T, F]), mask: tf.tensor3d(mask, [n, T, F]), length: tf.tensor1d(len, 'int32'),
      static: tf.tensor2d(stat, [n, K], 'int32'),
    };
    for (const [k, w] of Object.entries(this.layout.perStep)) out[k] = tf.tensor3d(step[k], [n, T, w]);
    for (const [k, w] of Object.entries(this.layout.perSequence)) out[k] = tf.tensor2d(seq[k], [n, w]);
    return out;
  }

  fingerprint(): DatasetFingerprint {
    return { name: this.name, digest: this.digest, source: this.source };
  }
}

/** Shift list for `copies` cyclic-shift copies by whole windows: [0, w, 2w, …]. */
export function windowShifts(copies: number, window: number): number[] {
  return Array.from({ length: Math.max(1, copies) }, (_, c) => c * window);
}
