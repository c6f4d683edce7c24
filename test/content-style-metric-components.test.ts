import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../framework/backends/tfjs-gradients.ts';
import { describe, expect, it } from 'vitest';
import type { Batch, Dataset, ModelMetricContext, Outputs } from '../framework/contracts/index.ts';
import { Rng } from '../framework/util/rng.ts';
import type { ContentStyleCodes, ContentStyleModel } from '../components/metrics/content-style/model.ts';
import { ContentStyleRetrieval } from '../components/metrics/content-style/retrieval-metric.ts';
import { ContentStyleCodebook } from '../components/metrics/content-style/codebook-metric.ts';
import { ZeroShotOOD } from '../components/metrics/content-style/zero-shot-ood.ts';
import { ContentStyleTSNE } from '../components/metrics/content-style/tsne-metric.ts';
import { precisionRecallAtK } from '../components/metrics/content-style/retrieval.ts';
import { isUntangleError } from '../framework/util/errors.ts';
import { FewShotOOD } from '../components/metrics/content-style/few-shot-ood.ts';
import { SGD } from '../components/optim/sgd.ts';
import type { Loss } from '../framework/contracts/index.ts';
import { recordingTracker } from './helpers/recording-tracker.ts';

const N_FRAG = 4;

/** Sample i, fragment j: content (i + j) mod 4, style i mod 3 (per sample); x = [content·10 + i/1000, style·10 + j/1000]. */
class LabelledFragments implements Dataset {
  readonly elementSpec = { x: [N_FRAG, 2], content: [N_FRAG], style: [] };
  constructor(readonly size: number, readonly contentShift = 0, readonly offset = 0) {}
  batch(indices: ArrayLike<number>): Batch {
    const b = indices.length;
    const x = new Float32Array(b * N_FRAG * 2), c = new Int32Array(b * N_FRAG), s = new Int32Array(b);
    for (let r = 0; r < b; r++) {
      const i = indices[r];
      s[r] = i % 3;
      for (let j = 0; j < N_FRAG; j++) {
        c[r * N_FRAG + j] = (i + j) % 4;
        x[(r * N_FRAG + j) * 2] = (((i + j) % 4 + this.contentShift) % 4) * 10 + this.offset + i / 1000;
        x[(r * N_FRAG + j) * 2 + 1] = (i % 3) * 10 + j / 1000;
      }
    }
    return { x: tf.tensor3d(x, [b, N_FRAG, 2]), content: tf.tensor2d(c, [b, N_FRAG], 'int32'), style: tf.tensor1d(s, 'int32') };
  }
  fingerprint() { return { name: 'labelled', digest: '0', source: 'test' }; }
}

/** Reads the codes straight off x: a model whose content code is the content and style code the style. Atom = round(content/10) + 1 (atom 0 unused). */
class PassThrough implements ContentStyleModel {
  readonly nAtoms = 6;
  forward(_batch: Batch): Outputs { return {}; }
  namedVariables() { return new Map<string, tf.Variable>(); }
  trainableVariables(): tf.Variable[] { return []; }
  codebook(): tf.Tensor2D { return tf.tensor2d(Array.from({ length: 6 }, (_, a) => (a - 1) * 10), [6, 1]); }
  encodeFragments(x: tf.Tensor): ContentStyleCodes {
    return tf.tidy(() => {
      const [b, n] = x.shape;
      const content = tf.slice(x, [0, 0, 0], [b, n, 1]) as tf.Tensor3D;
      const atoms = tf.cast(tf.reshape(tf.add(tf.round(tf.div(content, 10)), 1), [b, n]), 'int32') as tf.Tensor2D;
      return { content, contentQuantized: tf.reshape(tf.cast(tf.mul(tf.sub(atoms, 1), 10), 'float32'), [b, n, 1]) as tf.Tensor3D, style: tf.slice(x, [0, 0, 1], [b, n, 1]) as tf.Tensor3D, atoms };
    });
  }
}

/** PassThrough plus a learnable shift of the content code: what few-shot adaptation can correct. */
class Shifted extends PassThrough {
  readonly shift = tf.variable(tf.scalar(0), true, 'shift');
  frozen: boolean[] = [];
  override namedVariables() { return new Map([['shift', this.shift]]); }
  override trainableVariables(): tf.Variable[] { return [this.shift]; }
  setCodebookFrozen(f: boolean) { this.frozen.push(f); }
  override forward(batch: Batch): Outputs { return { content: tf.add(tf.slice(batch.x, [0, 0, 0], [-1, -1, 1]), this.shift) }; }
  override encodeFragments(x: tf.Tensor): ContentStyleCodes {
    return super.encodeFragments(tf.concat([tf.add(tf.slice(x, [0, 0, 0], [-1, -1, 1]), this.shift), tf.slice(x, [0, 0, 1], [-1, -1, 1])], 2));
  }
}

/** Pulls the content code onto 10 × its label. */
const pullToLabel: Loss = {
  compute: (batch, out) => {
    const t = tf.mean(tf.square(tf.sub(tf.squeeze(out.content, [2]), tf.mul(tf.cast(batch.content, 'float32'), 10)))) as tf.Scalar;
    return { total: t, terms: { mse: t } };
  },
};

function context(dataset: Dataset, model: ContentStyleModel = new PassThrough()) {
  const tracker = recordingTracker();
  const ctx: ModelMetricContext = { model, dataset, rng: new Rng(0), batchSize: 7 };
  return { ctx, artifacts: tracker.artifacts, tracker };
}

describe('content/style metric components on a model that reads its codes off the data', () => {
  it('retrieval: both protocols, all four pairings, per-sample style labels broadcast over fragments', async () => {
    const { ctx, artifacts, tracker } = context(new LabelledFragments(24));
    const s = await new ContentStyleRetrieval({ protocols: ['v2025', 'v2026'], k_max: 3000, max_samples: 20, content_code: 'continuous', report_k: [1, 5] }, tracker).evaluate(ctx);
    expect(s.fragments).toBe(80);
    expect(s['v2026/zc_content/precision_at_1']).toBe(1);
    expect(s['v2026/zs_style/precision_at_1']).toBe(1);
    expect(s['v2025/zc_content/precision_at_1']).toBe(0); // the query's own slot
    // The cross pairings against an independent computation on the same codes.
    const zc = new Float32Array(80), styleLabels = new Int32Array(80);
    for (let i = 0; i < 20; i++) for (let j = 0; j < N_FRAG; j++) { zc[i * N_FRAG + j] = ((i + j) % 4) * 10 + i / 1000; styleLabels[i * N_FRAG + j] = i % 3; }
    const ref = precisionRecallAtK(zc, 1, styleLabels, [1, 5], 'v2026');
    expect(s['v2026/zc_style/precision_at_1']).toBeCloseTo(ref.precision[0], 6);
    expect(s['v2026/zc_style/precision_at_1']).toBeLessThan(0.7);
    // Perfect clusters of 20 with the query in slot 1: Σ_{k=2..20} (1/19)·(k−1)/k = (19 − (H_20 − 1)) / 19.
    let h20 = 0;
    for (let k = 1; k <= 20; k++) h20 += 1 / k;
    expect(s['v2025/zc_content/auc']).toBeCloseTo((19 - (h20 - 1)) / 19, 10);
    expect(s['v2025/zs_content/auc']).toBeLessThan(0.5);
    expect(JSON.parse(artifacts.get('retrieval/v2025.json') as string).curves.zc_content.k).toHaveLength(80);
  });

  it('codebook: purity 1 with 4 of 6 atoms in use, and a PNG picture', async () => {
    const { ctx, artifacts, tracker } = context(new LabelledFragments(24));
    const s = await new ContentStyleCodebook({ max_samples: 24, n_classes: 0 }, tracker).evaluate(ctx);
    expect(s).toEqual({ codebook_accuracy: 1, codebook_accuracy_weighted: 1, atoms_in_use: 4, n_atoms: 6 });
    const png = artifacts.get('codebook/confusion.png') as Uint8Array;
    expect(Array.from(png.subarray(0, 4))).toEqual([137, 80, 78, 71]);
    expect(JSON.parse(artifacts.get('codebook/confusion.json') as string).assignments).toEqual([-1, 0, 1, 2, 3, -1]);
  });

  it('zero-shot OOD: the in-distribution map applied to data whose content lands on other atoms', async () => {
    // OOD content c is drawn where content (c + 1) mod 4 sits in distribution: every atom maps to the wrong class.
    const ood = new LabelledFragments(12, 1);
    const { ctx } = context(new LabelledFragments(24));
    const wrong = await new ZeroShotOOD({ ood_dataset: ood, max_samples: 24, n_classes: 0 }).evaluate(ctx);
    expect(wrong.in_distribution_accuracy).toBe(1);
    expect(wrong.zero_shot_accuracy).toBe(0);
    const right = await new ZeroShotOOD({ ood_dataset: new LabelledFragments(12), max_samples: 24, n_classes: 0 }).evaluate(ctx);
    expect(right.zero_shot_accuracy).toBe(1);
    expect(right.ood_fragments).toBe(48);
  });

  it('t-SNE: four pictures; the content embedding keeps the content clusters', async () => {
    const { ctx, artifacts, tracker } = context(new LabelledFragments(24));
    const s = await new ContentStyleTSNE({ max_points: 60, max_samples: 24, perplexity: 10, iterations: 500 }, tracker).evaluate(ctx);
    expect([...artifacts.keys()].sort()).toEqual(['tsne/zc_content.png', 'tsne/zc_style.png', 'tsne/zs_content.png', 'tsne/zs_style.png']);
    expect(s.zc_content_precision_at_5_2d).toBe(1);
    expect(s.zs_style_precision_at_5_2d).toBe(1);
    expect(Number.isFinite(s.kl_content) && Number.isFinite(s.kl_style)).toBe(true);
  });

  it('few-shot OOD: one SGD step on the shots fixes an offset the zero-shot map gets wrong; weights restored', async () => {
    const model = new Shifted();
    const { ctx } = context(new LabelledFragments(24), model);
    // OOD content sits 7 above its class: it rounds onto the next atom. One step of lr 0.25 on
    // mse moves the shift by −0.5·7 = −3.5, inside the right atom's cell.
    const metric = new FewShotOOD({ shot_datasets: { 1: new LabelledFragments(2, 0, 7) }, ood_dataset: new LabelledFragments(12, 0, 7), loss: pullToLabel, epochs: 1, max_samples: 24, n_classes: 0 }, () => new SGD({ lr: 0.25 }));
    const s = await metric.evaluate(ctx);
    expect(s.zero_shot_accuracy).toBe(0);
    expect(s.few_shot_accuracy_1).toBe(1);
    expect(model.frozen).toEqual([true, false]);
    expect(model.shift.dataSync()[0]).toBe(0);
  });

  it('a model without encodeFragments is refused with an UntangleError', async () => {
    const plain = { forward: () => ({}), namedVariables: () => new Map(), trainableVariables: () => [] };
    const { ctx, tracker } = context(new LabelledFragments(4));
    const err = await new ContentStyleCodebook({ max_samples: 4, n_classes: 0 }, tracker).evaluate({ ...ctx, model: plain }).catch((e: unknown) => e);
    expect(isUntangleError(err) && err.code).toBe('content_style.model');
  });
});
