import * as tf from '@tensorflow/tfjs-core';
import { Module, Conv2d, Linear, gelu } from '../../nn/index.ts';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Model, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { VectorQuantizer } from '../autoencoder/quantizer.ts';
import { ResBlock } from './res-block.ts';

export interface CSAEParams {
  /** Width of the last encoder stage; earlier stages halve it (clamped at `min_width`). */
  n_channels: number;
  min_width: number;
  n_fragments: number;
  /** Fragment height (PhoneNums: 48 pixel rows; InsNotes: 32 STFT frames). */
  fragment_len: number;
  /** Fragment width (PhoneNums: 32 pixel columns; InsNotes: 512 frequency bins). */
  n_feature: number;
  in_channels: number;
  d_emb_c: number;
  d_emb_s: number;
  n_atoms: number;
  /** Dead-code restarts below this usage EMA (assignments per step); 0 = off. */
  threshold_ema_dead_code: number;
  vq_ema_decay: number;
  /** Frozen: no EMA updates, k-means init or restarts (few-shot adaptation). */
  freeze_codebook: boolean;
  /** `both`: stride 2 on both axes (images). `frequency`: only along the width (the audio variant). */
  strides: 'both' | 'frequency';
  stages: number;
  kernel: number;
  /**
   * What the decoder sees of style: each fragment's own code (`fragment`, the upstream), or the
   * mean over the sample's fragments (`sample_mean`), so that fragment-specific content cannot
   * reach the reconstruction through the style branch (the "style bypass" a third-party
   * replication diagnosed, XuanjieLiu/variance-versus-invariance, 2026-09-10 analysis). The
   * V3 loss and the metrics still see every fragment's own style code.
   */
  decoder_style: 'fragment' | 'sample_mean';
}

/**
 * V3's content-style autoencoder. Input `x` `[B, n, H, W, C]`, channels last (NHWC per fragment,
 * as the rest of untangle; the upstream is NCHW). Each fragment is encoded on its own: a k×k stem of width
 * n_channels/2^stages, then `stages` stride-2 residual stages doubling it up to n_channels, flatten,
 * Linear to d_c + d_s, GELU, split, a linear head each. Content is vector-quantised (EMA codebook,
 * k-means init, dead-code restarts). The decoder mirrors it: linear heads on q_c and s, GELU,
 * concat, linear, GELU, then per stage nearest upsampling and a stride-1 residual block (the upstream's
 * stride-1 transposed convs are the same family with flipped kernels), and a k×k conv to C.
 */
export class CSAE extends Module implements Model {
  private readonly stem: Conv2d;
  private readonly down: ResBlock[] = [];
  private readonly encFc: Linear;
  private readonly headC: Linear;
  private readonly headS: Linear;
  readonly quantize: VectorQuantizer;
  private readonly decC: Linear;
  private readonly decS: Linear;
  private readonly decFc: Linear;
  private readonly up: ResBlock[] = [];
  private readonly out: Conv2d;
  private readonly widths: number[];
  private readonly bottom: [number, number];
  private readonly stride: [number, number];

  constructor(readonly p: CSAEParams, rng: Rng) {
    super();
    const s = p.stages;
    this.stride = p.strides === 'both' ? [2, 2] : [1, 2];
    const fh = this.stride[0] ** s, fw = this.stride[1] ** s;
    if (p.fragment_len % fh !== 0 || p.n_feature % fw !== 0) {
      throw new UntangleError('csae.shape', `fragment ${p.fragment_len}×${p.n_feature} is not divisible by the encoder's downsampling ${fh}×${fw}`, { fragment_len: p.fragment_len, n_feature: p.n_feature, stages: s });
    }
    this.bottom = [p.fragment_len / fh, p.n_feature / fw];
    this.widths = Array.from({ length: s + 1 }, (_, i) => Math.max(p.min_width, Math.floor(p.n_channels / 2 ** (s - i))));
    const k = p.kernel, pad = (k - 1) / 2;
    this.stem = this.child('stem', new Conv2d(p.in_channels, this.widths[0], k, rng, { padding: pad }));
    for (let i = 0; i < s; i++) this.down.push(this.child(`down${i}`, new ResBlock(this.widths[i], this.widths[i + 1], this.stride, k, rng)));
    const flat = this.widths[s] * this.bottom[0] * this.bottom[1];
    this.encFc = this.child('enc_fc', new Linear(flat, p.d_emb_c + p.d_emb_s, rng));
    this.headC = this.child('head_c', new Linear(p.d_emb_c, p.d_emb_c, rng));
    this.headS = this.child('head_s', new Linear(p.d_emb_s, p.d_emb_s, rng));
    this.quantize = this.child('quantize', new VectorQuantizer(p.n_atoms, p.d_emb_c, rng, true, p.vq_ema_decay, 1e-5, {
      init: 'kmeans', restartDead: p.threshold_ema_dead_code > 0, deadThreshold: Math.max(p.threshold_ema_dead_code, 1e-9),
    }));
    this.setCodebookFrozen(p.freeze_codebook);
    this.decC = this.child('dec_c', new Linear(p.d_emb_c, p.d_emb_c, rng));
    this.decS = this.child('dec_s', new Linear(p.d_emb_s, p.d_emb_s, rng));
    this.decFc = this.child('dec_fc', new Linear(p.d_emb_c + p.d_emb_s, flat, rng));
    for (let i = s; i > 0; i--) this.up.push(this.child(`up${s - i}`, new ResBlock(this.widths[i], this.widths[i - 1], [1, 1], k, rng)));
    this.out = this.child('out', new Conv2d(this.widths[0], p.in_channels, k, rng, { padding: pad }));
  }

  get nAtoms(): number {
    return this.p.n_atoms;
  }

  /** Stage widths, stem first. */
  get stageWidths(): readonly number[] {
    return this.widths;
  }

  private checkInput(x: tf.Tensor): [number, number] {
    const p = this.p;
    const want = [p.n_fragments, p.fragment_len, p.n_feature, p.in_channels];
    if (x.rank !== 5 || x.shape.slice(1).some((d, i) => d !== want[i])) {
      throw new UntangleError('csae.input', `CSAE expects x [B, ${want.join(', ')}] (NHWC fragments), got [${x.shape.join(', ')}]`, { shape: x.shape, want });
    }
    return [x.shape[0] ?? 0, x.shape[1] ?? 0];
  }

  /** `[B, n, H, W, C]` → content and style codes before quantisation, `[B·n, d]` each. */
  private encode(x: tf.Tensor): { c: tf.Tensor2D; s: tf.Tensor2D } {
    const [b, n] = this.checkInput(x);
    let h: tf.Tensor = this.stem.forward(tf.reshape(x, [b * n, ...x.shape.slice(2)]));
    for (const d of this.down) h = d.forward(h);
    const e = gelu(this.encFc.forward(tf.reshape(h, [b * n, -1])));
    const [ec, es] = tf.split(e, [this.p.d_emb_c, this.p.d_emb_s], 1);
    return { c: this.headC.forward(ec) as tf.Tensor2D, s: this.headS.forward(es) as tf.Tensor2D };
  }

  /** Quantised content and style `[B·n, d]` → fragments `[B, n, H, W, C]`. */
  decode(cq: tf.Tensor2D, s: tf.Tensor2D, b: number): tf.Tensor {
    const p = this.p;
    const z = tf.concat([gelu(this.decC.forward(cq)), gelu(this.decS.forward(s))], 1);
    // GELU after the first decoder linear, as the upstream Decoder's `act(linear_0(emb))`.
    let h: tf.Tensor = tf.reshape(gelu(this.decFc.forward(z)), [-1, this.bottom[0], this.bottom[1], this.widths[p.stages]]);
    for (const u of this.up) {
      const hh = h.shape[1] ?? 1, ww = h.shape[2] ?? 1;
      h = u.forward(tf.image.resizeNearestNeighbor(h as tf.Tensor4D, [hh * this.stride[0], ww * this.stride[1]]));
    }
    return tf.reshape(this.out.forward(h), [b, p.n_fragments, p.fragment_len, p.n_feature, p.in_channels]);
  }

  forward(batch: Batch, _ctx: StepContext): Outputs {
    const x = batch.x;
    const [b, n] = this.checkInput(x);
    const { c, s } = this.encode(x);
    const q = this.quantize.forward(c);
    const recon = this.decode(q.zq as tf.Tensor2D, this.p.decoder_style === 'sample_mean' ? sampleMean(s, b, n) : s, b);
    const dead = this.quantize.deadCodes();
    const out: Outputs = {
      recon,
      content: tf.reshape(c, [b, n, this.p.d_emb_c]),
      content_q: tf.reshape(q.zq, [b, n, this.p.d_emb_c]),
      style: tf.reshape(s, [b, n, this.p.d_emb_s]),
      commitment: q.commitment, perplexity: q.perplexity, used_codes: q.usedCodes,
    };
    if (dead !== null) out.dead_codes = tf.scalar(dead);
    return out;
  }

  afterStep(): void {
    this.quantize.afterStep();
  }

  /** Eval-mode codes for the content/style metrics (components/metrics/content-style/model.ts). */
  encodeFragments(x: tf.Tensor): { content: tf.Tensor3D; contentQuantized: tf.Tensor3D; style: tf.Tensor3D; atoms: tf.Tensor2D } {
    const was = this.training;
    this.eval();
    try {
      return tf.tidy(() => {
        const [b, n] = this.checkInput(x);
        const { c, s } = this.encode(x);
        const atoms = this.quantize.nearest(c);
        return {
          content: tf.reshape(c, [b, n, this.p.d_emb_c]) as tf.Tensor3D,
          contentQuantized: tf.reshape(this.quantize.lookup(atoms), [b, n, this.p.d_emb_c]) as tf.Tensor3D,
          style: tf.reshape(s, [b, n, this.p.d_emb_s]) as tf.Tensor3D,
          atoms: tf.reshape(tf.cast(atoms, 'int32'), [b, n]) as tf.Tensor2D,
        };
      });
    } finally {
      this.train(was);
    }
  }

  codebook(): tf.Tensor2D {
    return tf.clone(this.quantize.embedding) as tf.Tensor2D;
  }

  /**
   * Few-shot OOD adaptation (the upstream freezes the codebook and fine-tunes the rest): no EMA
   * update, k-means init or dead-code restart, and the codebook's variables out of
   * `trainableVariables()` (with EMA they never were; without it the embedding would be).
   */
  setCodebookFrozen(frozen: boolean): void {
    this.quantize.codebookFrozen = frozen;
    if (frozen) this.quantize.freeze();
    else this.quantize.unfreeze();
  }
}

/** `[B·n, d]` → each row replaced by the mean of its sample's n rows. */
function sampleMean(s: tf.Tensor2D, b: number, n: number): tf.Tensor2D {
  const d = s.shape[1];
  return tf.reshape(tf.tile(tf.mean(tf.reshape(s, [b, n, d]), 1, true), [1, n, 1]), [b * n, d]) as tf.Tensor2D;
}

export const csaeSpec = defineComponent<CSAEParams, CSAE>({
  target: 'untangle.models.CSAE',
  kind: 'model',
  description: "V3's content-style autoencoder: per-fragment ResNet encoder, content (VQ) and style heads, mirrored decoder",
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      n_channels: { type: 'integer', minimum: 1, default: 256 },
      min_width: { type: 'integer', minimum: 1, default: 1, description: 'clamp on the stage widths derived from n_channels (small CPU widths, the audio variant\'s n/128)' },
      n_fragments: { type: 'integer', minimum: 2, default: 10 },
      fragment_len: { type: 'integer', minimum: 1, default: 48 },
      n_feature: { type: 'integer', minimum: 1, default: 32 },
      in_channels: { type: 'integer', minimum: 1, default: 3 },
      d_emb_c: { type: 'integer', minimum: 1, default: 64 },
      d_emb_s: { type: 'integer', minimum: 1, default: 64 },
      n_atoms: { type: 'integer', minimum: 2, default: 10 },
      threshold_ema_dead_code: { type: 'number', minimum: 0, default: 16 },
      vq_ema_decay: { type: 'number', minimum: 0, maximum: 1, default: 0.98 },
      freeze_codebook: { type: 'boolean', default: false },
      strides: { enum: ['both', 'frequency'], default: 'both' },
      stages: { type: 'integer', minimum: 1, default: 4 },
      kernel: { type: 'integer', minimum: 1, default: 5 },
      decoder_style: { enum: ['fragment', 'sample_mean'], default: 'fragment', description: "the decoder's style input: each fragment's code (upstream) or the sample's mean code" },
    },
  },
  create: (p, ctx) => new CSAE(p, new Rng(ctx.seed)),
});
