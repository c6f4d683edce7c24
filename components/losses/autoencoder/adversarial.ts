import * as tf from '@tensorflow/tfjs-core';
import type { Outputs, ParamGroup } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { stopGradient } from '../../nn/stop-gradient.ts';
import { PatchDiscriminator } from './discriminator.ts';

export interface AdversarialParams {
  /** `untangle.models.PatchDiscriminator`, or null: no GAN term (and no discriminator optimiser). */
  discriminator: unknown;
  disc_start: number;
  disc_weight: number;
  disc_factor: number;
}

export const ADVERSARIAL_SCHEMA = {
  discriminator: { 'x-kind': 'model', default: null, description: 'untangle.models.PatchDiscriminator for the patch-GAN term (null: off); needs trainer.optimizers.discriminator' },
  disc_start: { type: 'integer', minimum: 0, default: 0, description: 'step from which the GAN terms count (taming: discriminator_iter_start)' },
  disc_weight: { type: 'number', minimum: 0, default: 1.0, description: 'multiplier on the adaptive generator weight' },
  disc_factor: { type: 'number', minimum: 0, default: 1.0 },
} as const;

export const DISCRIMINATOR_GROUP = 'discriminator';

/**
 * taming's patch-GAN term (VQLPIPSWithDiscriminator / LPIPSWithDiscriminator):
 *  - generator pass: + d_weight · disc_factor · (−mean D(x̂)), where the adaptive weight
 *    d_weight = disc_weight · clamp(‖∇_W nll‖ / (‖∇_W g‖ + 1e−4), 0, 1e4) (detached) compares the
 *    gradients of the reconstruction NLL and of the generator loss at the decoder's last layer W;
 *  - discriminator pass (its own parameter group and optimiser): disc_factor · hinge loss
 *    ½[mean relu(1 − D(x)) + mean relu(1 + D(sg(x̂)))];
 *  - disc_factor is 0 before `disc_start` (the discriminator is then not updated at all).
 * The autoencoder must output `last_layer_input` h and `last_layer_weight` W with
 * recon = conv3×3_same(h, W) + b (LdmDecoder does), so ∇_W of a loss of recon is the filter
 * gradient of that conv for the loss's gradient at recon.
 */
export class AdversarialTerm {
  readonly disc: PatchDiscriminator;

  constructor(readonly p: AdversarialParams) {
    if (!(p.discriminator instanceof PatchDiscriminator)) throw new UntangleError('not-discriminator', 'discriminator must be untangle.models.PatchDiscriminator (or null)', {});
    this.disc = p.discriminator;
  }

  active(step: number): boolean {
    return step >= this.p.disc_start;
  }

  paramGroup(): ParamGroup {
    return { name: DISCRIMINATOR_GROUP, variables: () => this.disc.trainableVariables(), activeAt: (s) => this.active(s) };
  }

  /** The discriminator's variables, checkpointed with the loss. */
  namedVariables(): Map<string, tf.Variable> {
    return new Map([...this.disc.namedVariables()].map(([k, v]) => [`discriminator.${k}`, v]));
  }

  /** ½[mean relu(1 − D(x)) + mean relu(1 + D(x̂))] · disc_factor, images in [−1, 1]. */
  discriminatorLoss(x: tf.Tensor, recon: tf.Tensor): { total: tf.Scalar; terms: Record<string, tf.Scalar> } {
    const real = this.disc.forward(x);
    const fake = this.disc.forward(stopGradient(recon));
    const hinge = tf.mul(0.5, tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake))))) as tf.Scalar;
    return {
      total: tf.mul(this.p.disc_factor, hinge) as tf.Scalar,
      terms: { disc_loss: hinge, logits_real: tf.mean(real) as tf.Scalar, logits_fake: tf.mean(fake) as tf.Scalar },
    };
  }

  /**
   * The generator term d_weight · disc_factor · g_loss for the main pass. `nllOf` recomputes the
   * reconstruction NLL from a reconstruction (for its gradient at the last layer).
   */
  generatorTerm(outputs: Outputs, nllOf: (recon: tf.Tensor) => tf.Scalar): { term: tf.Scalar; terms: Record<string, tf.Scalar> } {
    const recon = outputs.recon;
    const h = outputs.last_layer_input;
    const w = outputs.last_layer_weight;
    if (!recon || !h || !w) throw new UntangleError('loss-missing-output', 'the GAN term needs recon, last_layer_input and last_layer_weight from the autoencoder', { have: Object.keys(outputs) });
    const g = tf.neg(tf.mean(this.disc.forward(recon))) as tf.Scalar;
    const dWeight = tf.tidy(() => {
      // Copies by value, not stopGradient: the nested gradients below must leave no path on the
      // trainer's tape (it would try to differentiate the filter-gradient op).
      const detached = (t: tf.Tensor) => tf.tensor(t.dataSync(), t.shape);
      const r = detached(recon);
      const hs = detached(h);
      const wGrad = (lossOf: (r: tf.Tensor) => tf.Scalar) => {
        const delta = tf.grad((ri: tf.Tensor) => lossOf(ri))(r);
        return tf.grad((wi: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(hs as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same'), delta)) as tf.Scalar)(detached(w));
      };
      const nllNorm = tf.norm(wGrad(nllOf));
      const gNorm = tf.norm(wGrad((ri) => tf.neg(tf.mean(this.disc.forward(ri))) as tf.Scalar));
      return tf.mul(tf.clipByValue(tf.div(nllNorm, tf.add(gNorm, 1e-4)), 0, 1e4), this.p.disc_weight) as tf.Scalar;
    });
    const term = tf.mul(tf.mul(dWeight, this.p.disc_factor), g) as tf.Scalar;
    return { term, terms: { g_loss: g, d_weight: dWeight } };
  }
}
