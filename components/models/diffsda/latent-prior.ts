import * as tf from '@tensorflow/tfjs-core';
import { Module, init } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { NoiseSchedule, SCHEDULE_SCHEMA_PROPERTIES, type ScheduleParams } from '../../samplers/schedule.ts';
import { isSampler, type Sampler } from '../../samplers/samplers.ts';
import { loadModuleFromCheckpoint } from '../autoencoder/first-stage.ts';
import type { StaticDynamicModel } from '../sequential/types.ts';
import { DiffSDA } from './diffsda.ts';
import { FilmMlp } from './film-mlp.ts';

export interface DiffSdaPriorParams extends ScheduleParams {
  /** The trained DiffSDA, its config as its own run recorded it (`${run_config:NAME,model}`). */
  first_stage: unknown;
  /** Its weights (`${run:NAME}`); null leaves it as initialised (tests). */
  first_stage_ckpt: string | null;
  /** ε-network: the unconditional FiLM MLP, `layers` blocks of this width. */
  width: number;
  layers: number;
  dropout: number;
  sampler: unknown;
}

/**
 * DiffSDA's optional latent prior: a DDPM over the whole code a = [s, d¹, …, d^V] of a sequence
 * (flattened to one vector), so that sampling a and decoding it with the frozen DiffSDA generates
 * new sequences. The codes are z-scored per coordinate with the first training batch's statistics
 * (kept as checkpointed buffers, like LDM's scale_by_std); the ε-network is the FiLM MLP without
 * the a-modulation, its noise level the timestep t/T. Outputs `eps_pred` and `eps` for
 * `untangle.losses.Diffusion`. As a static/dynamic model it encodes and decodes with the first
 * stage, and its priors over s and d are the two parts of one joint sample.
 */
export class DiffSDAPrior extends Module implements Model, StaticDynamicModel {
  readonly firstStage: DiffSDA;
  readonly net: FilmMlp;
  readonly schedule: NoiseSchedule;
  readonly sampler: Sampler;
  readonly codeMean: tf.Variable;
  readonly codeStd: tf.Variable;
  readonly staticDim: number;
  readonly dynamicDim: number;
  readonly steps: number;
  readonly codeDim: number;

  constructor(readonly p: DiffSdaPriorParams, firstStage: unknown, sampler: unknown, rng: Rng) {
    super();
    if (!(firstStage instanceof DiffSDA)) throw new UntangleError('diffsda_prior.first_stage', 'first_stage must be untangle.models.DiffSDA', {});
    if (!isSampler(sampler)) throw new UntangleError('not-sampler', 'sampler must be an ε-based sampler (DDPM or DDIM)', {});
    this.firstStage = this.child('first_stage', firstStage);
    this.sampler = sampler;
    this.schedule = new NoiseSchedule(p);
    this.staticDim = firstStage.staticDim;
    this.dynamicDim = firstStage.dynamicDim;
    this.steps = firstStage.p.frames;
    this.codeDim = this.staticDim + this.steps * this.dynamicDim;
    this.net = this.child('eps_net', new FilmMlp({ features: this.codeDim, width: p.width, layers: p.layers, condDim: 0, embedDim: 256, dropout: p.dropout }, rng));
    // std 0 marks "not yet fitted"; the first batch fits both.
    this.codeMean = this.param('code_mean', [this.codeDim], init.constant(0), rng, false);
    this.codeStd = this.param('code_std', [this.codeDim], init.constant(0), rng, false);
    if (p.first_stage_ckpt) loadModuleFromCheckpoint(this.firstStage, p.first_stage_ckpt);
    this.firstStage.freeze();
    this.firstStage.eval();
  }

  /** a = [s, d¹…d^V] per sequence, `[B, S + V·D]`, unnormalised. */
  codes(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const { static: s, dynamic: d } = this.firstStage.encodeParts(x);
      if (d.shape[1] !== this.steps) {
        throw new UntangleError('diffsda_prior.steps', `the prior is over ${this.steps} steps, the batch has ${d.shape[1]}`, { steps: this.steps, got: d.shape[1] });
      }
      return tf.concat([s, tf.reshape(d, [d.shape[0], -1])], 1) as tf.Tensor2D;
    });
  }

  private normalised(a: tf.Tensor2D): tf.Tensor2D {
    if (this.codeStd.dataSync()[0] === 0) {
      tf.tidy(() => {
        const { mean, variance } = tf.moments(a, 0);
        this.codeMean.assign(mean);
        this.codeStd.assign(tf.maximum(tf.sqrt(variance), 1e-4));
      });
    }
    return tf.tidy(() => tf.div(tf.sub(a, this.codeMean), this.codeStd) as tf.Tensor2D);
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const a = this.codes(batch.x);
    const z0 = this.normalised(a);
    a.dispose();
    const t = this.schedule.randomTimesteps(z0.shape[0], ctx.rng);
    const eps = this.schedule.noise(z0.shape, ctx.rng);
    const xt = this.schedule.qSample(z0, t, eps) as tf.Tensor2D;
    const epsPred = this.net.denoise(xt, tf.tensor1d(Array.from(t, (v) => v / this.schedule.timesteps)), null, ctx.rng);
    z0.dispose();
    return { eps_pred: epsPred, eps };
  }

  /** n joint samples of the code a = [s, d], unnormalised, `[n, S + V·D]`. */
  sampleCodes(n: number, rng: Rng): tf.Tensor2D {
    const was = this.training;
    this.eval();
    try {
      const eps = (x: tf.Tensor, t: number) => this.net.denoise(x as tf.Tensor2D, tf.fill([x.shape[0]], t / this.schedule.timesteps) as tf.Tensor1D, null);
      const z = this.sampler.sample(eps, this.schedule, [n, this.codeDim], rng);
      const a = tf.tidy(() => tf.add(tf.mul(z, this.codeStd), this.codeMean) as tf.Tensor2D);
      z.dispose();
      return a;
    } finally { this.train(was); }
  }

  /** Splits codes `[n, S + V·D]` into s `[n, S]` and d `[n, V, D]`. */
  split(a: tf.Tensor2D): { static: tf.Tensor2D; dynamic: tf.Tensor3D } {
    return tf.tidy(() => ({
      static: tf.slice(a, [0, 0], [-1, this.staticDim]) as tf.Tensor2D,
      dynamic: tf.reshape(tf.slice(a, [0, this.staticDim], [-1, -1]), [a.shape[0], this.steps, this.dynamicDim]) as tf.Tensor3D,
    }));
  }

  /** n new sequences: joint codes from the prior, decoded by the first stage. */
  generate(n: number, rng: Rng): tf.Tensor {
    const a = this.sampleCodes(n, rng);
    const { static: s, dynamic: d } = this.split(a);
    const x = this.firstStage.decodeParts(s, d);
    tf.dispose([a, s, d]);
    return x;
  }

  encodeParts(x: tf.Tensor): { static: tf.Tensor2D; dynamic: tf.Tensor3D } { return this.firstStage.encodeParts(x); }
  decodeParts(s: tf.Tensor2D, d: tf.Tensor3D, noise?: tf.Tensor): tf.Tensor { return this.firstStage.decodeParts(s, d, noise); }
  reconstruct(x: tf.Tensor, inverted = false): tf.Tensor { return this.firstStage.reconstruct(x, inverted); }
  represent(x: tf.Tensor): tf.Tensor2D { return this.firstStage.represent(x); }

  sampleStatic(n: number, rng: Rng): tf.Tensor2D {
    const a = this.sampleCodes(n, rng), parts = this.split(a);
    tf.dispose([a, parts.dynamic]);
    return parts.static;
  }

  sampleDynamic(n: number, steps: number, rng: Rng): tf.Tensor3D {
    if (steps !== this.steps) throw new UntangleError('diffsda_prior.steps', `the prior generates ${this.steps} steps, asked for ${steps}`, { steps: this.steps, asked: steps });
    const a = this.sampleCodes(n, rng), parts = this.split(a);
    tf.dispose([a, parts.static]);
    return parts.dynamic;
  }
}

export function isDiffSdaPrior(m: unknown): m is DiffSDAPrior {
  return m instanceof DiffSDAPrior;
}

export const diffSdaPriorSpec = defineComponent<DiffSdaPriorParams, DiffSDAPrior>({
  target: 'untangle.models.DiffSDAPrior',
  kind: 'model',
  description: "DiffSDA's latent prior: a DDPM over a = [s, d¹…d^V] of a frozen DiffSDA, for unconditional generation",
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['first_stage'],
    properties: {
      ...SCHEDULE_SCHEMA_PROPERTIES,
      // The seed's latent DDPM: β from 1e-5 to 1e-2 over 1000 steps (LDM's sqrt-linear form here).
      linear_start: { type: 'number', exclusiveMinimum: 0, default: 1e-5 },
      linear_end: { type: 'number', exclusiveMinimum: 0, default: 1e-2 },
      first_stage: { 'x-kind': 'model', description: 'the DiffSDA, as its run recorded it: ${run_config:NAME,model}' },
      first_stage_ckpt: { type: ['string', 'null'], default: null, description: 'its weights: ${run:NAME}' },
      width: { type: 'integer', minimum: 1, default: 512 },
      layers: { type: 'integer', minimum: 1, default: 5 },
      dropout: { type: 'number', minimum: 0, maximum: 0.99, default: 0 },
      sampler: { 'x-kind': 'sampler', default: { target: 'untangle.samplers.DDIM', params: { steps: 100, eta: 0.01 } } },
    },
  },
  create: (p, ctx) => new DiffSDAPrior(p, p.first_stage, p.sampler, new Rng(ctx.seed)),
});
