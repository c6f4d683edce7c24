import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import type { Batch, Loss, LossTerms, Outputs, StepContext } from '../../framework/contracts/index.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import type { Rng } from '../../framework/util/rng.ts';
import { edmCoefficientArrays } from './edm-precond.ts';

export interface EdmLossParams {
  /** Must equal the model's σ_data (its preconditioning); the upstream kept 0.5 for std-1 series (bug 12). */
  sigma_data: number;
}

/**
 * EDM's denoising loss: mean over observed entries (and rows) of λ(σ)·(D(x + σn; σ) − x)², λ(σ) =
 * (σ²+σ_d²)/(σσ_d)². The model draws σ (ln σ ~ N(P_mean, P_std²) per row, `drawSigmas`) and
 * outputs `denoised`, `target`, `sigma` (one per leading row) and optionally `mask` (1 =
 * observed, as TimeSeriesCSV); masked entries are left out of numerator and count alike.
 */
export class EdmLoss implements Loss {
  constructor(readonly p: EdmLossParams) {}

  compute(_batch: Batch, outputs: Outputs, _ctx: StepContext): LossTerms {
    const { denoised, target, sigma, mask } = outputs;
    if (!denoised || !target || !sigma) {
      throw new UntangleError('loss-missing-output', 'the EDM loss needs denoised, target and sigma from the model', { have: Object.keys(outputs) });
    }
    if (sigma.rank !== 1 || sigma.shape[0] !== denoised.shape[0]) {
      throw new UntangleError('edm.sigma_shape', `sigma must be [${denoised.shape[0]}] (one per row), got [${sigma.shape}]`, { sigma: sigma.shape, denoised: denoised.shape });
    }
    return tf.tidy(() => {
      const w = tf.tensor1d(edmCoefficientArrays(sigma.dataSync(), this.p.sigma_data).weight);
      const bshape = [denoised.shape[0], ...denoised.shape.slice(1).map(() => 1)];
      let err = tf.mul(tf.reshape(w, bshape), tf.square(tf.sub(denoised, target)));
      let count: tf.Scalar = tf.scalar(err.size);
      if (mask) {
        err = tf.mul(err, mask);
        count = tf.maximum(tf.sum(mask), 1) as tf.Scalar;
      }
      const total = tf.div(tf.sum(err), count) as tf.Scalar;
      return { total, terms: { loss_edm: total } };
    });
  }
}

/** ln σ ~ N(P_mean, P_std²), one σ per row (frame or time step). */
export function drawSigmas(n: number, pMean: number, pStd: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.exp(pMean + pStd * rng.normal());
  return out;
}

export const edmLossSpec = defineComponent<EdmLossParams, EdmLoss>({
  target: 'untangle.losses.EDM',
  kind: 'loss',
  description: 'EDM (Karras 2022) λ(σ)-weighted denoising loss; σ_data a parameter; masked entries excluded; noise tiling',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      sigma_data: { type: 'number', exclusiveMinimum: 0, default: 0.5, description: 'data std; 1 for z-scored series (the upstream kept 0.5: bug 12)' },
    },
  },
  create: (p) => new EdmLoss(p),
});
