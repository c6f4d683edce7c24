import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs, ParamGroup, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { Lpips } from './lpips.ts';
import { AdversarialTerm, ADVERSARIAL_SCHEMA, DISCRIMINATOR_GROUP, type AdversarialParams } from './adversarial.ts';

export interface RecParams {
  rec_loss: 'l1' | 'l2';
  perceptual_weight: number;
  lpips_weights: string | null;
}

/**
 * The reconstruction part of taming's VQLPIPSWithDiscriminator / LDM's LPIPSWithDiscriminator:
 * |x − x̂| (or squared) per pixel, plus perceptual_weight · LPIPS when switched on. Images are
 * compared in [−1, 1]. The patch-GAN term is `adversarial.ts` (on when a discriminator is configured).
 */
class Reconstruction {
  private readonly lpips: Lpips | null;
  constructor(readonly p: RecParams) {
    this.lpips = p.perceptual_weight > 0 ? new Lpips(p.lpips_weights) : null;
  }

  /** Per-pixel reconstruction error `[B,H,W,C]` and the LPIPS term. */
  terms(x01: tf.Tensor, recon: tf.Tensor): { pixel: tf.Tensor; lpips: tf.Scalar } {
    const x = tf.sub(tf.mul(x01, 2), 1);
    const diff = tf.sub(x, recon);
    const pixel = this.p.rec_loss === 'l1' ? tf.abs(diff) : tf.square(diff);
    const lpips = this.lpips ? tf.mean(this.lpips.distance(x, recon)) as tf.Scalar : tf.scalar(0);
    return { pixel, lpips };
  }
}

const REC_SCHEMA = {
  rec_loss: { enum: ['l1', 'l2'], default: 'l1' },
  perceptual_weight: { type: 'number', minimum: 0, default: 0, description: 'LPIPS weight (taming: 1.0); needs lpips_weights' },
  lpips_weights: { type: ['string', 'null'], default: null, description: 'safetensors file with VGG16 + LPIPS head weights (see lpips.ts)' },
};

/** The parts every autoencoder loss shares for its optional GAN term. */
abstract class WithAdversary implements Loss {
  protected readonly adv: AdversarialTerm | null;
  constructor(p: AdversarialParams) {
    this.adv = p.discriminator ? new AdversarialTerm(p) : null;
  }
  paramGroups(): ParamGroup[] {
    return this.adv ? [this.adv.paramGroup()] : [];
  }
  protected discriminatorVariables(): Map<string, tf.Variable> {
    return this.adv ? this.adv.namedVariables() : new Map();
  }
  compute(batch: Batch, outputs: Outputs, ctx: StepContext): LossTerms {
    if (ctx.group === DISCRIMINATOR_GROUP) {
      if (!this.adv) throw new UntangleError('loss-no-discriminator', 'a discriminator pass without a discriminator', {});
      return this.adv.discriminatorLoss(tf.sub(tf.mul(batch.x, 2), 1), outputOf(outputs, 'recon', this.constructor.name));
    }
    const { total, terms, nllOf } = this.generatorLoss(batch, outputs);
    if (!this.adv || !ctx.training || !this.adv.active(ctx.step)) return { total, terms };
    const g = this.adv.generatorTerm(outputs, nllOf);
    return { total: tf.add(total, g.term) as tf.Scalar, terms: { ...terms, ...g.terms } };
  }
  /** The loss without the GAN term, and its NLL part as a function of the reconstruction (for the adaptive weight). */
  protected abstract generatorLoss(batch: Batch, outputs: Outputs): LossTerms & { nllOf: (recon: tf.Tensor) => tf.Scalar };
}

function outputOf(outputs: Outputs, key: string, who: string): tf.Tensor {
  const t = outputs[key];
  if (!t) throw new UntangleError('loss-missing-output', `${who} needs the model output '${key}'`, { have: Object.keys(outputs) }, 'pair it with the matching autoencoder model');
  return t;
}

export interface VQLossParams extends RecParams, AdversarialParams {
  codebook_weight: number;
  beta: number;
}

/**
 * taming's VQLPIPSWithDiscriminator: mean rec + w_p·LPIPS + codebook_weight·(codebook + β·commitment),
 * + the adaptive patch-GAN generator term when a discriminator is configured.
 */
export class VQLoss extends WithAdversary {
  private readonly rec: Reconstruction;
  constructor(readonly p: VQLossParams) {
    super(p);
    this.rec = new Reconstruction(p);
  }

  namedVariables(): Map<string, tf.Variable> {
    return this.discriminatorVariables();
  }

  protected generatorLoss(batch: Batch, outputs: Outputs): LossTerms & { nllOf: (recon: tf.Tensor) => tf.Scalar } {
    const nllOf = (r: tf.Tensor) => {
      const t = this.rec.terms(batch.x, r);
      return tf.add(tf.mean(t.pixel), tf.mul(this.p.perceptual_weight, t.lpips)) as tf.Scalar;
    };
    const { pixel, lpips } = this.rec.terms(batch.x, outputOf(outputs, 'recon', 'VQLoss'));
    const rec = tf.mean(pixel) as tf.Scalar;
    const codebook = outputOf(outputs, 'codebook', 'VQLoss') as tf.Scalar;
    const commitment = outputOf(outputs, 'commitment', 'VQLoss') as tf.Scalar;
    const vq = tf.add(codebook, tf.mul(this.p.beta, commitment)) as tf.Scalar;
    const total = tf.add(tf.add(rec, tf.mul(this.p.perceptual_weight, lpips)), tf.mul(this.p.codebook_weight, vq)) as tf.Scalar;
    const terms: Record<string, tf.Scalar> = { rec_loss: rec, codebook, commitment, quant_loss: vq };
    if (this.p.perceptual_weight > 0) terms.p_loss = lpips;
    // Codebook usage, logged beside the loss so that collapse shows in the curves.
    for (const k of ['perplexity', 'used_codes', 'dead_codes']) if (outputs[k]) terms[k] = outputs[k] as tf.Scalar;
    return { total, terms, nllOf };
  }
}

export interface KLAELossParams extends RecParams, AdversarialParams {
  kl_weight: number;
  logvar_init: number;
}

/**
 * LDM's LPIPSWithDiscriminator: nll = Σ(rec/exp(s) + s)/B with one learned scalar log-variance s
 * (a loss variable the trainer optimises with the model), + kl_weight·KL, + the adaptive patch-GAN
 * generator term when a discriminator is configured.
 */
export class KLAutoencoderLoss extends WithAdversary {
  private readonly rec: Reconstruction;
  private readonly logvar: tf.Variable;
  constructor(readonly p: KLAELossParams) {
    super(p);
    this.rec = new Reconstruction(p);
    this.logvar = tf.variable(tf.scalar(p.logvar_init), true);
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map([['logvar', this.logvar], ...this.discriminatorVariables()]);
  }

  private nll(batch: Batch, recon: tf.Tensor): { nll: tf.Scalar; pixel: tf.Tensor } {
    const { pixel, lpips } = this.rec.terms(batch.x, recon);
    const perPixel = this.p.perceptual_weight > 0 ? tf.add(pixel, tf.mul(this.p.perceptual_weight, tf.reshape(lpips, [1, 1, 1, 1]))) : pixel;
    return { nll: tf.div(tf.sum(tf.add(tf.div(perPixel, tf.exp(this.logvar)), this.logvar)), batch.x.shape[0]) as tf.Scalar, pixel };
  }

  protected generatorLoss(batch: Batch, outputs: Outputs): LossTerms & { nllOf: (recon: tf.Tensor) => tf.Scalar } {
    const { nll, pixel } = this.nll(batch, outputOf(outputs, 'recon', 'KLAutoencoderLoss'));
    const kl = outputOf(outputs, 'kl', 'KLAutoencoderLoss') as tf.Scalar;
    const total = tf.add(nll, tf.mul(this.p.kl_weight, kl)) as tf.Scalar;
    return {
      total, terms: { nll_loss: nll, rec_loss: tf.mean(pixel) as tf.Scalar, kl_loss: kl, logvar: this.logvar as unknown as tf.Scalar },
      nllOf: (r) => this.nll(batch, r).nll,
    };
  }
}

export const vqLossSpec = defineComponent<VQLossParams, VQLoss>({
  target: 'untangle.losses.VQLoss',
  kind: 'loss',
  description: 'VQ autoencoder loss: L1/L2 reconstruction (+ optional LPIPS) + codebook + β·commitment (+ optional patch-GAN term)',
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      ...REC_SCHEMA,
      ...ADVERSARIAL_SCHEMA,
      codebook_weight: { type: 'number', minimum: 0, default: 1.0 },
      beta: { type: 'number', minimum: 0, default: 0.25, description: 'commitment weight β' },
    },
  },
  create: (p) => new VQLoss(p),
});

export const klAutoencoderLossSpec = defineComponent<KLAELossParams, KLAutoencoderLoss>({
  target: 'untangle.losses.KLAutoencoderLoss',
  kind: 'loss',
  description: 'KL autoencoder loss: L1/L2 NLL with a learned log-variance (+ optional LPIPS) + kl_weight·KL (+ optional patch-GAN term)',
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      ...REC_SCHEMA,
      ...ADVERSARIAL_SCHEMA,
      kl_weight: { type: 'number', minimum: 0, default: 1e-6 },
      logvar_init: { type: 'number', default: 0 },
    },
  },
  create: (p) => new KLAutoencoderLoss(p),
});
