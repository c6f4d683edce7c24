import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import { TRACKER, type MetricScores, type ModelMetric, type ModelMetricContext, type RunTracker } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { column, seriesGridPng, seriesPoints } from '../../../framework/util/series-grid.ts';
import type { Series } from '../../../framework/util/plot.ts';
import { requireStaticDynamic } from './encoded-set.ts';

/** A diffusion decoder that can start from an input's own inverted noise (DiffSDA). */
interface Inverts {
  invert(x: tf.Tensor): tf.Tensor;
  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D, noise?: tf.Tensor): tf.Tensor;
}

function inverts(m: unknown): m is Inverts {
  return m !== null && typeof m === 'object' && typeof (m as Inverts).invert === 'function';
}

export interface SeriesPicturesParams {
  /** Examples in `series_recon.png` and pairs in `series_swap.png` (one row each). */
  rows: number;
  /** Feature columns drawn, one panel each. */
  features: number[];
  /** Reconstruct from each input's own inverted x_T (near-exact; models with `invert`) rather than from the fixed noise. */
  inverted: boolean;
}

/**
 * Pictures of a static/dynamic sequence model on any series data set, logged as run artifacts:
 * `series_recon.png` (per example and feature: the input and decode(s, d)) and `series_swap.png`
 * (per pair: A, B and decode(s_A, d_B), which should keep A's static character and follow B's
 * dynamics). Examples are drawn at random from the evaluation set; a `mask` key (1 = observed)
 * hides the input's missing steps. The scores are only the counts drawn: this metric is for eyes.
 */
export class SeriesPictures implements ModelMetric {
  /** `tracker`: the run its pictures and tables are written into. */
  constructor(readonly p: SeriesPicturesParams, private readonly tracker: RunTracker) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const model = requireStaticDynamic(ctx, 'series_pictures');
    const [T, F] = ctx.dataset.elementSpec.x;
    const bad = this.p.features.filter((f) => f >= (F ?? 1));
    if (bad.length) throw new UntangleError('series_pictures.features', `features ${bad} out of range for ${F} per step`, { features: this.p.features, per_step: F });
    const n = Math.min(this.p.rows, Math.floor(ctx.dataset.size / 2));
    const pick = ctx.rng.permutation(ctx.dataset.size).subarray(0, 2 * n);
    const batch = ctx.dataset.batch(pick);
    const { x, recon, swap } = tf.tidy(() => {
      const A = tf.slice(batch.x, [0], [n]), B = tf.slice(batch.x, [n], [n]);
      const ea = model.encodeParts(A), eb = model.encodeParts(B);
      const rec = this.p.inverted && inverts(model) ? model.decodeParts(ea.static, ea.dynamic, model.invert(A)) : model.decodeParts(ea.static, ea.dynamic);
      return { x: batch.x.dataSync(), recon: rec.dataSync(), swap: model.decodeParts(ea.static, eb.dynamic).dataSync() };
    });
    const mask = batch.mask ? batch.mask.dataSync() : null;
    tf.dispose(Object.values(batch));
    const line = (label: string, v: ArrayLike<number>, i: number, f: number, masked: boolean): Series => ({
      label,
      points: seriesPoints(column(v, T, F, f, i), masked && mask ? column(mask, T, F, f, i) : undefined),
    });
    const panels = (fn: (f: number) => Series[]) => this.p.features.map(fn);
    this.tracker.logArtifact('series_recon.png', seriesGridPng(Array.from({ length: n }, (_, i) =>
      panels((f) => [line('input', x, i, f, true), line('recon', recon, i, f, false)]))));
    this.tracker.logArtifact('series_swap.png', seriesGridPng(Array.from({ length: n }, (_, i) =>
      panels((f) => [line('A', x, i, f, true), line('B', x, n + i, f, true), line('swap (s_A, d_B)', swap, i, f, false)]))));
    return { pictured: n };
  }
}

export const seriesPicturesSpec = defineComponent<SeriesPicturesParams, SeriesPictures>({
  target: 'untangle.metrics.SeriesPictures',
  kind: 'metric',
  description: 'Run-artifact pictures of series: reconstructions and swaps (s from A, d from B)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rows: { type: 'integer', minimum: 1, default: 4 },
      features: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, default: [0] },
      inverted: { type: 'boolean', default: false },
    },
  },
  create: (p, ctx) => new SeriesPictures(p, ctx.resolve(TRACKER)),
});
