import * as tf from '@tensorflow/tfjs-core';
import { Module, Linear, init, silu } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { LatentDiffusion } from '../diffusion/latent-diffusion.ts';
import { UNetDecoder, type TrunkState } from '../diffusion/unet.ts';
import { DDIMSampler } from '../../samplers/samplers.ts';
import { loadModuleFromCheckpoint } from '../autoencoder/first-stage.ts';
import { stopGradient } from '../../nn/stop-gradient.ts';
import { UnitEncoder } from './encoder.ts';
import { orthogonalRows } from './orthogonal.ts';
import { fitUnitPca, projectUnits, type UnitPca } from './pca.ts';
import { disentanglingCrossEntropies } from './dis-terms.ts';

export interface DisDiffParams {
  ldm: unknown;
  ldm_ckpt: string | null;
  load_ema: boolean;
  latent_unit: number;
  repre_emb_channels: number;
  encoder_width: number;
  image_size: number;
  in_channels: number;
  orth_emb: boolean;
  shift_decoder: 'copy' | 'disdiff';
  dis_loss: boolean;
  swap_ddim_steps: number;
  swap_rows: number;
}

/**
 * DisDiff (Yang et al., NeurIPS 2023): a pretrained latent diffusion model is frozen; an encoder
 * maps an image to N units of D numbers; a shift decoder (a trainable decoder half of the UNet,
 * fed the frozen trunk's skips) turns each unit into a field g_k(x_t, t) added to the frozen noise
 * prediction:
 *   ε̃ = ε̂(x_t, t) + c_t · Σ_k g_k,  c_t = −√α_t (1 − ᾱ_{t−1}) / √(1 − ᾱ_t)  (the paper's shift_coef).
 * Two shift decoders (`shift_decoder`):
 * - `copy` (untangle's): a copy of the trained decoder half with a zero output conv; the unit
 *   enters through the time embedding, emb_k = emb(t) + e_k + W z_k, with e_k a learned identity
 *   embedding (rows of exp(skew) when `orth_emb`).
 * - `disdiff` (ThomasMrY/DisDiff's `openaimodel_shift`): a freshly initialised decoder half whose
 *   blocks (ResBlockShift) take emb(t) + part_emb(e_k) as their time embedding and SiLU(W z_k) as a
 *   second scale-shift (ResBlockShift's `use_scale_shift_norm` path, the one every DisDiff config
 *   takes); every block's output conv and the output head start at zero
 *   (`zero_module`), and e_k are rows of exp(A − Aᵀ) for A ~ N(0, 1) of half the embedding width.
 *
 * Forward outputs the simple-loss pair (eps_pred, eps) and, with `dis_loss`, the per-sample pieces
 * of the disentangling loss (ce_change, ce_own and the Z- and IM-space weights); the loss
 * (`untangle.losses.DisDiff`) combines them.
 */
export class DisDiff extends Module implements Model {
  readonly ldm: LatentDiffusion;
  readonly encoder: UnitEncoder;
  /** A frozen copy of the encoder (re-synced after every step, DisDiff's per-step deep copy). */
  readonly encoderCopy: UnitEncoder;
  readonly shift: UNetDecoder;
  readonly codeProj: Linear;
  /** `disdiff` only: part_emb, the Linear from an identity row to the time embedding. */
  readonly partEmb: Linear | null = null;
  readonly unitEmb: tf.Variable;
  private pca: UnitPca | null = null;

  constructor(readonly p: DisDiffParams, ldm: unknown, rng: Rng) {
    super();
    if (!(ldm instanceof LatentDiffusion)) throw new UntangleError('disdiff-ldm', 'DisDiff.ldm must be untangle.models.LatentDiffusion', {});
    this.ldm = this.child('ldm', ldm);
    if (p.ldm_ckpt) loadModuleFromCheckpoint(this.ldm, p.ldm_ckpt, { ema: p.load_ema });
    this.ldm.freeze();
    this.ldm.eval();
    const unet = this.ldm.unet;
    const emb = unet.embDim;
    this.encoder = this.child('encoder', new UnitEncoder(p.image_size, p.in_channels, p.encoder_width, p.latent_unit, p.repre_emb_channels, rng));
    this.encoderCopy = this.child('encoder_copy', new UnitEncoder(p.image_size, p.in_channels, p.encoder_width, p.latent_unit, p.repre_emb_channels, rng)).freeze();
    this.syncEncoderCopy();
    // Construction order = the order of random draws: the shift decoder, then code_proj, then the
    // embeddings (kept as it was before `disdiff` existed, so `copy` runs keep their weights).
    if (p.shift_decoder === 'copy') {
      this.shift = this.child('shift', new UNetDecoder(unet.p, unet.skipChannels, rng, emb));
      // Starts as the trained decoder half with a zero output head, so every g_k starts at 0 and ε̃
      // as the frozen ε̂ (a copied head would start at g_k ≈ ε̂, and the sum over N units would swamp
      // ε̂). DisDiff itself does not copy: its checkpoint has no shift_* keys (`disdiff` below).
      this.shift.loadWeights(unet.decoder.namedVariables());
      for (const [name, v] of this.shift.namedVariables()) if (name.startsWith('conv_out.')) v.assign(tf.zerosLike(v));
      this.codeProj = this.child('code_proj', new Linear(p.repre_emb_channels, emb, rng));
      const side = p.orth_emb ? Math.max(emb, p.latent_unit) : p.latent_unit;
      this.unitEmb = this.param('unit_emb', [side, emb], p.orth_emb ? init.normal(0.01) : init.normal(1), rng);
    } else {
      this.shift = this.child('shift', new UNetDecoder({ ...unet.p, cond_dim: emb }, unet.skipChannels, rng, emb));
      // zero_module on each ResBlockShift's last conv, the attention projections and shift_out.
      for (const [name, v] of this.shift.namedVariables()) if (/(^|\.)(conv2|proj|conv_out)\./.test(name)) v.assign(tf.zerosLike(v));
      this.codeProj = this.child('code_proj', new Linear(p.repre_emb_channels, emb, rng));
      const part = p.orth_emb ? Math.max(emb / 2, p.latent_unit) : p.repre_emb_channels;
      this.unitEmb = this.param('unit_emb', [p.orth_emb ? part : p.latent_unit, part], init.normal(1), rng);
      this.partEmb = this.child('part_emb', new Linear(part, emb, rng));
    }
  }

  private syncEncoderCopy(): void {
    this.encoderCopy.loadWeights(this.encoder.namedVariables());
  }

  /** Identity embeddings of the N units, `[N, embDim]`. */
  unitEmbeddings(): tf.Tensor2D {
    return this.p.orth_emb ? orthogonalRows(this.unitEmb as unknown as tf.Tensor2D, this.p.latent_unit) : (this.unitEmb as unknown as tf.Tensor2D);
  }

  /** g_k for every unit: `codes [B,N,D]` → N fields `[B,h,w,c]`. */
  shifts(state: TrunkState, emb: tf.Tensor, codes: tf.Tensor3D): tf.Tensor[] {
    const ids = this.unitEmbeddings();
    const out: tf.Tensor[] = [];
    for (let k = 0; k < this.p.latent_unit; k++) {
      const zk = tf.reshape(tf.slice(codes, [0, k, 0], [-1, 1, -1]), [codes.shape[0], -1]);
      const idK = tf.slice(ids, [k, 0], [1, -1]);
      if (this.partEmb) {
        // ResBlockShift's cond_emb_layers are SiLU → Linear; the block's cond projection is the Linear.
        out.push(this.shift.forward(state, tf.add(emb, this.partEmb.forward(idK)), silu(this.codeProj.forward(zk))));
      } else {
        out.push(this.shift.forward(state, tf.add(tf.add(emb, idK), this.codeProj.forward(zk))));
      }
    }
    return out;
  }

  /** c_t per example, `[B,1,1,1]`. */
  private shiftCoef(t: ArrayLike<number>): tf.Tensor {
    const s = this.ldm.schedule;
    return tf.tensor(Array.from(t, (ti) => {
      const abPrev = ti > 0 ? s.alphasCumprod[ti - 1] : 1;
      return (-Math.sqrt(s.alphas[ti]) * (1 - abPrev)) / Math.sqrt(1 - s.alphasCumprod[ti]);
    }), [t.length, 1, 1, 1]);
  }

  forward(batch: Batch, ctx: StepContext): Outputs {
    const ldm = this.ldm;
    const s = ldm.schedule;
    const z0 = tf.tidy(() => stopGradient(ldm.latents(batch.x)));
    const b = z0.shape[0];
    const t = s.randomTimesteps(b, ctx.rng);
    const eps = s.noise(z0.shape, ctx.rng);
    const xt = s.qSample(z0, t, eps);
    const emb = ldm.unet.embed(t);
    const state = ldm.unet.trunk(xt, emb);
    const epsFrozen = stopGradient(ldm.unet.decoder.forward(state, emb));
    const codes = this.encoder.forward(batch.x);
    const g = this.shifts(state, emb, codes);
    const epsPred = tf.add(epsFrozen, tf.mul(this.shiftCoef(t), tf.addN(g)));
    // eps_frozen: the frozen LDM's own prediction on the same x_t, for the loss to log how much the
    // units improve on it (the paired difference is far less noisy than loss_simple itself).
    const out: Outputs = { eps_pred: epsPred, eps, eps_frozen: epsFrozen };
    if (this.p.dis_loss) Object.assign(out, this.disentanglingPieces(batch, xt, t, epsFrozen, g, codes, ctx.rng));
    return out;
  }

  /**
   * The disentangling loss's per-sample pieces. For a random unit c per sample: x̂_0 from the
   * frozen prediction (p_k: the frozen encoder's codes of its decoding, no gradient) and from the
   * prediction shifted by unit c alone with the DDIM coefficient −√(1−ᾱ_t) (p'_k, gradient to the
   * shift decoder). Two cross-entropies with target c over the N units:
   *   ce_own:    logits_k = ‖p_k − z_k‖ − ‖p'_k − z_k‖  (unit c moves the result most towards the input's own code),
   *   ce_change: logits_k = ‖p_k − p'_k‖              (unit c changes the code of unit c most);
   * weights: mean squared difference of the two x̂_0 latents (`w_z`) or decoded images (`w_im`), detached.
   */
  private disentanglingPieces(batch: Batch, xt: tf.Tensor, t: Int32Array, epsFrozen: tf.Tensor, g: tf.Tensor[], codes: tf.Tensor3D, rng: Rng): Outputs {
    const ldm = this.ldm;
    const s = ldm.schedule;
    const n = this.p.latent_unit;
    const b = xt.shape[0];
    const c = new Int32Array(b);
    for (let i = 0; i < b; i++) c[i] = rng.int(n);
    // g_c per sample: select with a one-hot mask over the stacked fields.
    const stacked = tf.stack(g, 1); // [B, N, h, w, ch]
    const mask = tf.reshape(tf.oneHot(tf.tensor1d(c, 'int32'), n), [b, n, 1, 1, 1]);
    const gc = tf.sum(tf.mul(stacked, mask), 1);
    const ddimCoef = tf.tensor(Array.from(t, (ti) => -Math.sqrt(1 - s.alphasCumprod[ti])), [b, 1, 1, 1]);
    const x0Frozen = stopGradient(s.predictX0(xt, t, epsFrozen));
    const x0New = s.predictX0(xt, t, tf.add(epsFrozen, tf.mul(ddimCoef, gc)));
    // Decoded without quantisation, as DisDiff's dis_loss does (force_not_quantize): a quantised
    // decode maps a small shift to the very same codes, hence the same image and codes p' = p,
    // where ‖p − p'‖ has no gradient and both cross-entropies sit at log N. And unclipped, in
    // [−1, 1], as its differentiable_decode_first_stage hands them to the encoder: clipping to
    // [0, 1] first zeroed the gradient of every pixel outside the range (measured against the
    // upstream code: gradients off by up to 40 %, bench/parity/disdiff-step.py), and w_im is the
    // mean squared change on that [−1, 1] scale.
    const imFrozen = stopGradient(ldm.decodeLatentsSigned(x0Frozen, false));
    const imNew = ldm.decodeLatentsSigned(x0New, false);
    const pFrozen = stopGradient(this.encoderCopy.forwardSigned(imFrozen));
    const pNew = this.encoderCopy.forwardSigned(imNew);
    const { ceOwn, ceChange } = disentanglingCrossEntropies(pFrozen, pNew, stopGradient(codes), c);
    const wZ = stopGradient(tf.mean(tf.square(tf.sub(x0New, x0Frozen)), [1, 2, 3]));
    const wIm = stopGradient(tf.mean(tf.square(tf.sub(imNew, imFrozen)), [1, 2, 3]));
    return { ce_own: ceOwn, ce_change: ceChange, w_z: wZ, w_im: wIm };
  }

  afterStep(): void {
    this.syncEncoderCopy();
    this.pca = null; // the encoder changed: refit the per-unit PCA at the next evaluation
  }

  /**
   * Codes for the metric suite: each unit's D numbers projected on its first principal direction,
   * fitted on the first batch seen after training changed (the evaluator's first batch: a random
   * sample of eval.batch_size images) and reused for the rest of that evaluation.
   */
  represent(x: tf.Tensor): tf.Tensor2D {
    const codes = this.encoder.forward(x);
    const flat = codes.dataSync() as Float32Array;
    codes.dispose();
    const { latent_unit: u, repre_emb_channels: d } = this.p;
    const n = x.shape[0];
    if (!this.pca) {
      if (n < 2) throw new UntangleError('disdiff-pca-batch', 'the per-unit PCA needs a first batch of at least 2 images', { n }, 'raise eval.batch_size');
      this.pca = fitUnitPca(flat, n, u, d);
    }
    return tf.tensor2d(projectUnits(flat, n, u, d, this.pca), [n, u]);
  }

  /** ε̃ with the given codes for the whole batch. */
  private conditionalEps(codes: tf.Tensor3D): (x: tf.Tensor, t: number) => tf.Tensor {
    return (x, t) => tf.tidy(() => {
      const ts = new Array<number>(x.shape[0]).fill(t);
      const emb = this.ldm.unet.embed(ts);
      const state = this.ldm.unet.trunk(x, emb);
      const base = this.ldm.unet.decoder.forward(state, emb);
      return tf.add(base, tf.mul(this.shiftCoef(ts), tf.addN(this.shifts(state, emb, codes))));
    });
  }

  /**
   * Swap grid: row i = [source i, its DDIM reconstruction, then for each unit k the reconstruction
   * with unit k taken from image (i+1) mod n]. x_T is the deterministic DDIM inversion (η = 0) of
   * the source's latent under its own codes, so columns differ only by the swapped unit.
   * `swap_diff`: row i, column k = |swap_k − reconstruction|, normalised by the grid's largest change.
   */
  logImages(batch: Batch, _ctx: StepContext): Record<string, tf.Tensor5D> {
    const n = Math.min(this.p.swap_rows, batch.x.shape[0]);
    const x = tf.slice(batch.x, 0, n);
    const ddim = new DDIMSampler(this.p.swap_ddim_steps, 0);
    const s = this.ldm.schedule;
    const codes = this.encoder.forward(x);
    const z0 = this.ldm.latents(x);
    const xT = ddim.encode(this.conditionalEps(codes), s, z0);
    const donor = tf.concat([tf.slice(codes, 1, n - 1), tf.slice(codes, 0, 1)], 0);
    const columns: tf.Tensor[] = [x];
    const decode = (cs: tf.Tensor3D) => {
      const z = ddim.sample(this.conditionalEps(cs), s, xT.shape, new Rng(0), xT);
      const im = this.ldm.decodeLatents(z);
      z.dispose();
      return im;
    };
    columns.push(decode(codes));
    for (let k = 0; k < this.p.latent_unit; k++) {
      const mask = tf.reshape(tf.oneHot([k], this.p.latent_unit), [1, -1, 1]);
      const swapped = tf.add(tf.mul(codes, tf.sub(1, mask)), tf.mul(donor, mask)) as tf.Tensor3D;
      columns.push(decode(swapped));
      tf.dispose([mask, swapped]);
    }
    const ch = x.shape[3] as number;
    const grid = tf.stack(columns, 1) as tf.Tensor5D;
    // What each swap changed: |swap_k − reconstruction| (mean over colour), scaled so the largest
    // change in the grid is white; each row starts with the source and its reconstruction, as in
    // `swap`. Small early changes are invisible in `swap` but show here.
    const diff = tf.tidy(() => {
      const d = tf.mean(tf.abs(tf.sub(tf.stack(columns.slice(2), 1), tf.expandDims(columns[1], 1))), -1, true);
      const scaled = tf.tile(tf.div(d, tf.maximum(tf.max(d), 1e-8)), [1, 1, 1, 1, ch]);
      return tf.concat([tf.stack(columns.slice(0, 2), 1), scaled], 1) as tf.Tensor5D;
    });
    tf.dispose([...columns, codes, z0, xT, donor]);
    return { swap: grid, swap_diff: diff };
  }
}

export const disDiffSpec = defineComponent<DisDiffParams, DisDiff>({
  target: 'untangle.models.DisDiff',
  kind: 'model',
  description: 'DisDiff: frozen LDM + unit encoder + shift decoder; per-unit PCA codes; DDIM swap grids',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['ldm'],
    properties: {
      ldm: { 'x-kind': 'model', description: 'the pretrained LatentDiffusion, configured as in its run' },
      ldm_ckpt: { type: ['string', 'null'], default: null, description: 'its weights, e.g. ${run:shapes3d-ldm}' },
      load_ema: { type: 'boolean', default: true, description: 'load the EMA weights (DisDiff: load_ema_ckpt, whose naming is inverted there)' },
      latent_unit: { type: 'integer', minimum: 1, default: 6 },
      repre_emb_channels: { type: 'integer', minimum: 1, default: 32 },
      encoder_width: { type: 'integer', minimum: 1, default: 128, description: 'Encoder4 d' },
      image_size: { type: 'integer', minimum: 8, default: 64 },
      in_channels: { type: 'integer', minimum: 1, default: 3 },
      orth_emb: { type: 'boolean', default: true },
      shift_decoder: {
        enum: ['copy', 'disdiff'], default: 'copy',
        description: "copy: the trained decoder half, the unit through the time embedding (untangle's); disdiff: openaimodel_shift's fresh ResBlockShift decoder (second scale-shift from W z_k, part_emb, zero-initialised block outputs)",
      },
      dis_loss: { type: 'boolean', default: true, description: 'dis_loss_flag' },
      swap_ddim_steps: { type: 'integer', minimum: 1, default: 200 },
      swap_rows: { type: 'integer', minimum: 2, default: 8 },
    },
  },
  create: (p, ctx) => new DisDiff(p, p.ldm, new Rng(ctx.seed)),
});
