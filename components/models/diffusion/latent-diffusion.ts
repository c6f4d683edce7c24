import * as tf from '@tensorflow/tfjs-core';
import { Module, init } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { NoiseSchedule, SCHEDULE_SCHEMA_PROPERTIES, type ScheduleParams } from '../../samplers/schedule.ts';
import { isSampler, type Sampler } from '../../samplers/samplers.ts';
import { loadModuleFromCheckpoint, toUnit, type FirstStage } from '../autoencoder/first-stage.ts';
import { UNet } from './unet.ts';

export interface LatentDiffusionParams extends ScheduleParams {
  first_stage: unknown;
  first_stage_ckpt: string | null;
  unet: unknown;
  sampler: unknown;
  scale_by_std: boolean;
  scale_factor: number;
  log_samples: number;
}

export function asFirstStage(m: unknown): FirstStage & Module {
  if (!(m instanceof Module) || typeof (m as unknown as FirstStage).encode !== 'function') {
    throw new UntangleError('not-first-stage', 'first_stage must be an autoencoder model (untangle.models.VQModel or AutoencoderKL)', {});
  }
  return m as unknown as FirstStage & Module;
}

/**
 * LDM's `LatentDiffusion` (unconditional): a frozen first stage maps images to latents, scaled by
 * `scale_factor` (with `scale_by_std`, 1/std of the first training batch's latents, kept as a
 * checkpointed buffer); the UNet learns ε̂(x_t, t) on them. Outputs `eps_pred` and `eps` for the
 * simple loss. The EMA of the weights is the trainer's (`trainer.ema`).
 */
export class LatentDiffusion extends Module implements Model {
  readonly firstStage: FirstStage & Module;
  readonly unet: UNet;
  readonly schedule: NoiseSchedule;
  readonly sampler: Sampler;
  readonly scale: tf.Variable;

  constructor(readonly p: LatentDiffusionParams, firstStage: unknown, unet: unknown, sampler: unknown) {
    super();
    this.firstStage = this.child('first_stage', asFirstStage(firstStage));
    if (!(unet instanceof UNet)) throw new UntangleError('not-unet', 'unet must be untangle.models.UNet', {});
    if (!isSampler(sampler)) throw new UntangleError('not-sampler', 'sampler must be a sampler component', {});
    this.unet = this.child('unet', unet);
    this.sampler = sampler;
    this.schedule = new NoiseSchedule(p);
    this.scale = this.param('scale_factor', [], init.constant(p.scale_by_std ? 0 : p.scale_factor), new Rng(0), false);
    if (p.first_stage_ckpt) loadModuleFromCheckpoint(this.firstStage, p.first_stage_ckpt);
    this.firstStage.freeze();
    this.firstStage.eval();
  }

  /** Images in [0,1] → scaled latents. Fixes the scale on the first call when scale_by_std. */
  latents(x: tf.Tensor): tf.Tensor {
    const z = this.firstStage.encode(x);
    if (this.scale.dataSync()[0] === 0) {
      const std = tf.tidy(() => tf.sqrt(tf.moments(z).variance).dataSync()[0]);
      this.scale.assign(tf.scalar(1 / Math.max(std, 1e-8)));
    }
    const out = tf.mul(z, this.scale);
    z.dispose();
    return out;
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const z0 = tf.tidy(() => this.latents(batch.x));
    const t = this.schedule.randomTimesteps(z0.shape[0], ctx.rng);
    const eps = this.schedule.noise(z0.shape, ctx.rng);
    const xt = this.schedule.qSample(z0, t, eps);
    const epsPred = this.unet.forward(xt, t);
    z0.dispose();
    xt.dispose();
    return { eps_pred: epsPred, eps };
  }

  /** Latents → images in [0, 1] (`quantize`: see FirstStage.decode). */
  decodeLatents(z: tf.Tensor, quantize = true): tf.Tensor {
    return tf.tidy(() => toUnit(this.decodeLatentsSigned(z, quantize)));
  }

  /**
   * Latents → the first stage's output as it is: [−1, 1] nominally, not clipped (LDM's
   * `differentiable_decode_first_stage`). A loss differentiated through the decoder needs this:
   * clipping zeroes the gradient of every pixel outside the range.
   */
  decodeLatentsSigned(z: tf.Tensor, quantize = true): tf.Tensor {
    return tf.tidy(() => this.firstStage.decode(tf.div(z, this.scale), quantize));
  }

  epsFn(): (x: tf.Tensor, t: number) => tf.Tensor {
    return (x, t) => this.unet.forward(x, new Array<number>(x.shape[0]).fill(t));
  }

  logImages(batch: Batch, ctx: StepContext): Record<string, tf.Tensor4D> {
    const z = tf.tidy(() => this.latents(batch.x));
    const shape = [Math.min(this.p.log_samples, batch.x.shape[0]), ...z.shape.slice(1)];
    z.dispose();
    const samples = this.sampler.sample(this.epsFn(), this.schedule, shape, ctx.rng);
    const images = this.decodeLatents(samples) as tf.Tensor4D;
    samples.dispose();
    const reconstruction = tf.tidy(() => tf.concat([batch.x, this.decodeLatents(this.latents(batch.x))], 0) as tf.Tensor4D);
    return { samples: images, reconstruction };
  }
}

export const LATENT_DIFFUSION_PROPERTIES = {
  ...SCHEDULE_SCHEMA_PROPERTIES,
  first_stage: { 'x-kind': 'model', description: 'the autoencoder (its config as in its own run)' },
  first_stage_ckpt: { type: ['string', 'null'], default: null, description: 'its weights, e.g. ${run:shapes3d-vq}' },
  unet: { 'x-kind': 'model' },
  sampler: { 'x-kind': 'sampler', default: { target: 'untangle.samplers.DDIM', params: { steps: 200, eta: 1.0 } } },
  scale_by_std: { type: 'boolean', default: true },
  scale_factor: { type: 'number', exclusiveMinimum: 0, default: 1.0 },
  log_samples: { type: 'integer', minimum: 1, default: 8 },
} as const;

export const latentDiffusionSpec = defineComponent<LatentDiffusionParams, LatentDiffusion>({
  target: 'untangle.models.LatentDiffusion',
  kind: 'model',
  description: 'Unconditional latent diffusion (LDM): frozen first stage, UNet ε-prediction, DDPM/DDIM sampling',
  schema: { type: 'object', additionalProperties: false, required: ['first_stage', 'unet'], properties: LATENT_DIFFUSION_PROPERTIES },
  create: (p) => new LatentDiffusion(p, p.first_stage, p.unet, p.sampler),
});
