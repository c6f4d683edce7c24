import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs, StepContext } from '../../framework/contracts/index.ts';
import type { Batch } from '../../framework/contracts/index.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { DIFFUSION_LOSS_PROPERTIES, simpleLoss, type DiffusionLossParams } from './diffusion.ts';

export interface DisDiffLossParams extends DiffusionLossParams {
  dis_weight: number;
  dis_loss_type: 'Z' | 'IM';
}

/**
 * DisDiff's objective: l_simple_weight·simple(ε̃, ε) + dis_weight·mean_b[w_b·(ce_own_b + ce_change_b)],
 * w = the Z-space (`Z`) or image-space (`IM`) change caused by the sampled unit. `dis_weight` comes
 * from the config only (the reference's CLI default of 1.0 silently overrode the YAML's 0.05).
 */
export class DisDiffLoss implements Loss {
  constructor(readonly p: DisDiffLossParams) {}

  compute(_batch: Batch, o: Outputs, _ctx: StepContext): LossTerms {
    if (!o.eps_pred || !o.eps) throw new UntangleError('loss-missing-output', 'DisDiffLoss needs eps_pred and eps', { have: Object.keys(o) });
    const simple = simpleLoss(o.eps_pred, o.eps, this.p.loss_type);
    const terms: Record<string, tf.Scalar> = { loss_simple: simple };
    if (o.eps_frozen) {
      // Logged only: the frozen LDM's simple loss on the same x_t and ε, and what the units gain on it.
      const frozen = simpleLoss(o.eps_frozen, o.eps, this.p.loss_type);
      Object.assign(terms, { loss_simple_frozen: frozen, simple_gain: tf.sub(frozen, simple) as tf.Scalar });
    }
    let total = tf.mul(this.p.l_simple_weight, simple) as tf.Scalar;
    if (o.ce_own && o.ce_change) {
      const w = this.p.dis_loss_type === 'Z' ? o.w_z : o.w_im;
      if (!w) throw new UntangleError('loss-missing-output', `DisDiffLoss with dis_loss_type ${this.p.dis_loss_type} needs the model's weight output`, {});
      const dis = tf.mean(tf.mul(w, tf.add(o.ce_own, o.ce_change))) as tf.Scalar;
      total = tf.add(total, tf.mul(this.p.dis_weight, dis)) as tf.Scalar;
      Object.assign(terms, { loss_dis: dis, ce_own: tf.mean(o.ce_own) as tf.Scalar, ce_change: tf.mean(o.ce_change) as tf.Scalar, dis_w: tf.mean(w) as tf.Scalar });
    }
    return { total, terms };
  }
}

export const disDiffLossSpec = defineComponent<DisDiffLossParams, DisDiffLoss>({
  target: 'untangle.losses.DisDiff',
  kind: 'loss',
  description: 'DisDiff: simple ε loss + dis_weight × weighted cross-entropies of the disentangling loss',
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      ...DIFFUSION_LOSS_PROPERTIES,
      loss_type: { enum: ['l1', 'l2'], default: 'l1' },
      dis_weight: { type: 'number', minimum: 0, default: 0.05 },
      dis_loss_type: { enum: ['Z', 'IM'], default: 'Z' },
    },
  },
  create: (p) => new DisDiffLoss(p),
});
