import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs, StepContext } from '../../framework/contracts/index.ts';
import type { Batch } from '../../framework/contracts/index.ts';
import { UntangleError } from '../../framework/util/errors.ts';

export interface DiffusionLossParams {
  loss_type: 'l1' | 'l2';
  l_simple_weight: number;
}

/** |ε̂ − ε| or (ε̂ − ε)² averaged per sample then over the batch (LDM's simple loss, logvar 0). */
export function simpleLoss(pred: tf.Tensor, target: tf.Tensor, type: 'l1' | 'l2'): tf.Scalar {
  const d = tf.sub(pred, target);
  return tf.mean(type === 'l1' ? tf.abs(d) : tf.square(d)) as tf.Scalar;
}

export class DiffusionLoss implements Loss {
  constructor(readonly p: DiffusionLossParams) {}

  compute(_batch: Batch, outputs: Outputs, _ctx: StepContext): LossTerms {
    const { eps_pred: pred, eps } = outputs;
    if (!pred || !eps) throw new UntangleError('loss-missing-output', 'the diffusion loss needs eps_pred and eps from the model', { have: Object.keys(outputs) });
    const simple = simpleLoss(pred, eps, this.p.loss_type);
    return { total: tf.mul(this.p.l_simple_weight, simple) as tf.Scalar, terms: { loss_simple: simple } };
  }
}

export const DIFFUSION_LOSS_PROPERTIES = {
  loss_type: { enum: ['l1', 'l2'], default: 'l2', description: 'LDM default l2; DisDiff configs use l1' },
  l_simple_weight: { type: 'number', minimum: 0, default: 1.0 },
} as const;

export const diffusionLossSpec = defineComponent<DiffusionLossParams, DiffusionLoss>({
  target: 'untangle.losses.Diffusion',
  kind: 'loss',
  description: "LDM's simple ε-prediction loss (l1 or l2)",
  schema: { type: 'object', additionalProperties: false, properties: DIFFUSION_LOSS_PROPERTIES },
  create: (p) => new DiffusionLoss(p),
});
