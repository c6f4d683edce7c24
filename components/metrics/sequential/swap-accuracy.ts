import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import { TRACKER, type MetricScores, type ModelMetric, type ModelMetricContext, type RunTracker } from '../../../framework/contracts/index.ts';
import type { Outputs } from '../../../framework/contracts/index.ts';
import { pictureGridPng } from '../../../framework/util/png.ts';
import { canReconstruct, isStaticDynamicModel, type StaticDynamicModel } from '../../models/sequential/types.ts';
import { swapAndTraversalImages } from '../../models/sequential/sequence-images.ts';
import type { SequenceJudge } from '../../models/sequential/sequence-judge.ts';
import { entropyScores } from './entropy-scores.ts';
import { loadJudge } from './judge-loader.ts';

export interface SwapAccuracyParams {
  /** The judge's checkpoint, e.g. `${run:sprites-judge}`. */
  judge: string;
  n_samples: number;
}

/** Probabilities of the judge's heads of one group, each `[n(·T), C]` row-major, concatenated over batches. */
interface GroupProbs { probs: Float32Array[]; classes: number[]; rows: number }

/**
 * The joint class of several heads (e.g. action × direction = 9 Sprites "actions", as in S3VAE /
 * C-DSVAE): product of the heads' probabilities, row-major over the heads' classes.
 */
function jointProbs(g: GroupProbs): { probs: Float32Array; c: number } {
  const c = g.classes.reduce((a, b) => a * b, 1);
  const out = new Float32Array(g.rows * c);
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < c; j++) {
    let p = 1, r = j;
    for (let h = g.classes.length - 1; h >= 0; h--) {
      p *= g.probs[h][i * g.classes[h] + (r % g.classes[h])];
      r = Math.floor(r / g.classes[h]);
    }
    out[i * c + j] = p;
  }
  return { probs: out, c };
}

function jointLabels(labels: Int32Array[], classes: number[]): Int32Array {
  const n = labels[0].length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) { let v = 0; labels.forEach((l, h) => { v = v * classes[h] + l[i]; }); out[i] = v; }
  return out;
}

function accuracy(probs: Float32Array, c: number, labels: Int32Array): number {
  let hit = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (probs[i * c + k] > probs[i * c + best]) best = k;
    if (best === labels[i]) hit++;
  }
  return hit / labels.length;
}

/**
 * Swap-based evaluation of sequential disentanglement with a judge classifier (Li & Mandt 2018;
 * S3VAE, Zhu et al. 2020; C-DSVAE, Bai et al. 2021). On `n_samples` data sequences:
 *  - `dyn_*` — fix the dynamic codes, sample the static ones from the prior, decode: the judge's
 *    accuracy on the (joint) dynamic label, and IS, H(y|x), H(y) of its dynamic predictions;
 *  - `stat_*` — fix the static code, sample the dynamics from the model's prior: accuracy on the
 *    static labels (mean over factors, and all factors right), and IS/H(y|x)/H(y) averaged over
 *    the static factors;
 *  - `swap_static_acc` / `swap_dynamic_acc` — decode(f_a, z_b) for pairs: judged static = a's,
 *    dynamic = b's;
 *  - `judge_*_acc` on the data itself and `recon_*_acc` on reconstructions (for every model that
 *    reconstructs, including the dynamical VAEs without a static code).
 * Also logs swap/traversal grids under `eval/swap/` for image data.
 */
export class SwapAccuracy implements ModelMetric {
  /** `tracker`: the run its pictures are written into. */
  constructor(readonly p: SwapAccuracyParams, private readonly tracker: RunTracker) {}

  async evaluate(ctx: ModelMetricContext): Promise<MetricScores> {
    const judge = loadJudge(this.p.judge);
    const n = Math.min(this.p.n_samples, ctx.dataset.size);
    const perm = ctx.rng.permutation(ctx.dataset.size).subarray(0, n);
    const staticSizes = judge.p.static_sizes, dynamicSizes = judge.p.dynamic_sizes;
    const kinds = ['data', 'recon', 'stat', 'dyn', 'swap'] as const;
    const parts: Record<string, { s: Float32Array[][]; d: Float32Array[][]; sl: Int32Array[][]; dl: Int32Array[][] }> = {};
    for (const k of kinds) parts[k] = { s: staticSizes.map(() => []), d: dynamicSizes.map(() => []), sl: staticSizes.map(() => []), dl: dynamicSizes.map(() => []) };

    const model = ctx.model;
    const sd = isStaticDynamicModel(model) ? (model as StaticDynamicModel) : null;
    const judgeInto = (kind: (typeof kinds)[number], x: tf.Tensor, sLab: tf.Tensor, dLab: tf.Tensor) => {
      const out: Outputs = judge.classify(x);
      staticSizes.forEach((_c, h) => {
        parts[kind].s[h].push(tf.softmax(out[`logits_static_${h}`]).dataSync() as Float32Array);
        parts[kind].sl[h].push(tf.slice(sLab, [0, h], [-1, 1]).dataSync() as Int32Array);
      });
      dynamicSizes.forEach((c, h) => {
        const logits = out[`logits_dynamic_${h}`];
        parts[kind].d[h].push(tf.softmax(tf.reshape(logits, [-1, c])).dataSync() as Float32Array);
        // Per-frame labels [B, T, D] are judged per frame; per-sequence ones [B, D] once.
        const lab = dLab.rank === 3 ? tf.slice(dLab, [0, 0, h], [-1, -1, 1]) : tf.slice(dLab, [0, h], [-1, 1]);
        parts[kind].dl[h].push(lab.dataSync() as Int32Array);
      });
    };

    for (let start = 0; start < n; start += ctx.batchSize) {
      const idx = perm.subarray(start, Math.min(n, start + ctx.batchSize));
      const batch = ctx.dataset.batch(idx);
      tf.tidy(() => {
        const { x } = batch;
        const b = x.shape[0];
        judgeInto('data', x, batch.static, batch.dynamic);
        if (canReconstruct(model)) judgeInto('recon', fitLength(model.reconstruct(x), x), batch.static, batch.dynamic);
        if (sd) {
          const { static: f, dynamic: z } = sd.encodeParts(x);
          judgeInto('stat', fitLength(sd.decodeParts(f, sd.sampleDynamic(b, z.shape[1], ctx.rng)), x), batch.static, batch.dynamic);
          judgeInto('dyn', fitLength(sd.decodeParts(sd.sampleStatic(b, ctx.rng), z), x), batch.static, batch.dynamic);
          // Pair each sequence with the next (cyclically): static from a, dynamics from b.
          const next = Array.from({ length: b }, (_, i) => (i + 1) % b);
          const zb = tf.gather(z, next) as tf.Tensor3D;
          judgeInto('swap', fitLength(sd.decodeParts(f, zb), x), batch.static, tf.gather(batch.dynamic, next));
        }
      });
      if (start === 0 && sd && batch.x.rank === 5) this.logGrids(sd, batch.x, ctx);
      tf.dispose(Object.values(batch));
    }

    const cat = (arrs: Float32Array[] | Int32Array[], Ctor: Float32ArrayConstructor | Int32ArrayConstructor) => {
      const len = arrs.reduce((a, b) => a + b.length, 0);
      const out = new Ctor(len);
      let o = 0;
      for (const a of arrs) { out.set(a, o); o += a.length; }
      return out;
    };
    const scores: MetricScores = {};
    for (const kind of kinds) {
      const P = parts[kind];
      if (P.s[0]?.length === 0 && P.d[0]?.length === 0) continue;
      if (staticSizes.length && P.s[0].length) {
        const probs = P.s.map((a) => cat(a, Float32Array) as Float32Array);
        const labels = P.sl.map((a) => cat(a, Int32Array) as Int32Array);
        const accs = staticSizes.map((c, h) => accuracy(probs[h], c, labels[h]));
        const rows = labels[0].length;
        let all = 0;
        for (let i = 0; i < rows; i++) if (staticSizes.every((c, h) => argmax(probs[h], c, i) === labels[h][i])) all++;
        scores[`${kind}_static_acc`] = mean(accs);
        scores[`${kind}_static_all_acc`] = all / rows;
        if (kind === 'stat') {
          const e = staticSizes.map((c, h) => entropyScores(probs[h], rows, c));
          scores.stat_is = mean(e.map((v) => v.is)); scores.stat_h_yx = mean(e.map((v) => v.hYx)); scores.stat_h_y = mean(e.map((v) => v.hY));
        }
      }
      if (dynamicSizes.length && P.d[0].length) {
        const probs = P.d.map((a) => cat(a, Float32Array) as Float32Array);
        const labels = P.dl.map((a) => cat(a, Int32Array) as Int32Array);
        const joint = jointProbs({ probs, classes: dynamicSizes, rows: labels[0].length });
        scores[`${kind}_dynamic_acc`] = accuracy(joint.probs, joint.c, jointLabels(labels, dynamicSizes));
        if (kind === 'dyn') {
          const e = entropyScores(joint.probs, labels[0].length, joint.c);
          scores.dyn_is = e.is; scores.dyn_h_yx = e.hYx; scores.dyn_h_y = e.hY;
        }
      }
    }
    return scores;
  }

  private logGrids(model: StaticDynamicModel, x: tf.Tensor, ctx: ModelMetricContext): void {
    const images = swapAndTraversalImages(model, tf.slice(x, [0], [Math.min(6, x.shape[0])]), ctx.rng);
    for (const [name, t] of Object.entries(images)) this.tracker.logArtifact(`eval/swap/${name}.png`, pictureGridPng(t.shape, t.dataSync() as Float32Array, 8));
    tf.dispose(Object.values(images));
  }
}

function argmax(p: Float32Array, c: number, i: number): number {
  let best = 0;
  for (let k = 1; k < c; k++) if (p[i * c + k] > p[i * c + best]) best = k;
  return best;
}

function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
}

/**
 * Generated sequences may be shorter than the data (FHVAE drops a trailing partial segment):
 * pad them with their last frame to the data's length so the judge sees what it was trained on.
 */
function fitLength(gen: tf.Tensor, like: tf.Tensor): tf.Tensor {
  const t = gen.shape[1] as number, want = like.shape[1] as number;
  if (t === want) return gen;
  const begin = new Array<number>(gen.rank).fill(0);
  begin[1] = t - 1;
  const size = gen.shape.map((s, i) => (i === 1 ? 1 : s));
  const last = tf.slice(gen, begin, size);
  const reps = gen.shape.map((_, i) => (i === 1 ? want - t : 1));
  return tf.concat([gen, tf.tile(last, reps)], 1);
}

export const swapAccuracySpec = defineComponent<SwapAccuracyParams, SwapAccuracy>({
  target: 'untangle.metrics.SwapAccuracy',
  kind: 'metric',
  description: 'Judge-based swap evaluation: fixed-static / fixed-dynamic generation accuracy, IS, H(y|x), H(y), swap accuracy',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['judge'],
    properties: {
      judge: { type: 'string', description: 'judge checkpoint, e.g. ${run:sprites-judge}' },
      n_samples: { type: 'integer', minimum: 2, default: 1024 },
    },
  },
  create: (p, ctx) => new SwapAccuracy(p, ctx.resolve(TRACKER)),
});
