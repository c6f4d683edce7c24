import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Loss, LossTerms, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { fragmentVariability, sampleVariability, supersample, widenStyle } from './variability.ts';

export interface V3Weights {
  recon_loss: number;
  content_loss: number;
  style_loss: number;
  sample_loss: number;
  fragment_loss: number;
  commit_loss: number;
}

export interface V3LossParams {
  weights: V3Weights;
  relativity: number;
  /** The adapted form: content sample variability over a near-square grid of pseudo-samples. */
  supersample_content: boolean;
  /** The adapted form: style codes averaged over a window of this many fragments (odd); 0 = off. */
  widen_style: number;
}

/** Denominator guard of the four ratios (the upstream's 1e-5). */
const EPS = 1e-5;

export interface V3Statistics {
  content_frag: tf.Scalar;
  content_samp: tf.Scalar;
  style_frag: tf.Scalar;
  style_samp: tf.Scalar;
  /**
   * With `supersample_content`: the style sample variability over the same pseudo-samples as
   * the content's, which the sample term compares with it (the upstream's `style_samp_var_ss`,
   * "only to fairly compare with content_samp_var"); the style term keeps `style_samp`.
   */
  style_samp_super?: tf.Scalar;
}

/**
 * The four variability statistics of V3 for content codes (raw and quantised, `[B, n, d_c]`) and
 * style codes (`[B, n, d_s]`). Content statistics average the raw and quantised codes' values.
 */
export function v3Statistics(content: tf.Tensor3D, contentQ: tf.Tensor3D, style: tf.Tensor3D, p: Pick<V3LossParams, 'supersample_content' | 'widen_style'>): V3Statistics {
  const [b, n] = content.shape;
  if (b < 2 || n < 2) {
    throw new UntangleError('v3.loss.shape', `the V3 loss needs at least 2 samples and 2 fragments per batch, got B=${b}, n=${n}`, { b, n });
  }
  return tf.tidy(() => {
    const half = (f: (z: tf.Tensor3D) => tf.Scalar) => tf.mul(0.5, tf.add(f(content), f(contentQ))) as tf.Scalar;
    const contentSamp = p.supersample_content ? (z: tf.Tensor3D) => sampleVariability(supersample(z)) : sampleVariability;
    const s = p.widen_style > 1 ? widenStyle(style, p.widen_style) : style;
    const st: Record<string, tf.Scalar> = {
      content_frag: half(fragmentVariability),
      content_samp: half(contentSamp),
      style_frag: fragmentVariability(s),
      style_samp: sampleVariability(s),
    };
    if (p.supersample_content) st.style_samp_super = sampleVariability(supersample(s));
    return st;
  }) as unknown as V3Statistics;
}

/** relu(r − num/(den + ε))/r. */
function hinge(num: tf.Scalar, den: tf.Scalar, r: number): tf.Scalar {
  return tf.div(tf.relu(tf.sub(r, tf.div(num, tf.add(den, EPS)))), r) as tf.Scalar;
}

/** The four V3 hinge terms from the statistics. */
export function v3Terms(st: V3Statistics, r: number): Record<'content_loss' | 'style_loss' | 'sample_loss' | 'fragment_loss', tf.Scalar> {
  return {
    content_loss: hinge(st.content_frag, st.content_samp, r),
    style_loss: hinge(st.style_samp, st.style_frag, r),
    sample_loss: hinge(st.style_samp_super ?? st.style_samp, st.content_samp, r),
    fragment_loss: hinge(st.content_frag, st.style_frag, r),
  };
}

/**
 * V3's objective (Irislucent/variance-versus-invariance `v3_loss.py`): Σ weight·term over the MSE
 * reconstruction, the four hinge terms and the VQ commitment. One code path serves the plain and
 * adapted forms, so the upstream's adapted-form bugs (style sample variability unassigned with
 * `supersample_content` alone; commitment never added) cannot arise.
 */
export class V3Loss implements Loss {
  constructor(readonly p: V3LossParams) {}

  compute(batch: Batch, o: Outputs, _ctx: StepContext): LossTerms {
    for (const k of ['recon', 'content', 'content_q', 'style', 'commitment']) {
      if (!o[k]) throw new UntangleError('loss-missing-output', `the V3 loss needs the model output '${k}'`, { have: Object.keys(o) });
    }
    const st = v3Statistics(o.content as tf.Tensor3D, o.content_q as tf.Tensor3D, o.style as tf.Tensor3D, this.p);
    const terms: Record<string, tf.Scalar> = {
      recon_loss: tf.mean(tf.squaredDifference(o.recon, batch.x)) as tf.Scalar,
      ...v3Terms(st, this.p.relativity),
      commit_loss: o.commitment as tf.Scalar,
    };
    const w = this.p.weights as unknown as Record<string, number>;
    let total = tf.scalar(0);
    for (const [k, v] of Object.entries(terms)) if (w[k] !== 0) total = tf.add(total, tf.mul(w[k], v));
    return { total, terms: { ...terms, ...st } };
  }
}

const weight = (d: number, description: string) => ({ type: 'number', minimum: 0, default: d, description });

export const v3LossSpec = defineComponent<V3LossParams, V3Loss>({
  target: 'untangle.losses.V3',
  kind: 'loss',
  description: 'V3: reconstruction + four variability hinges (content, style, sample, fragment) + VQ commitment',
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      weights: {
        type: 'object', additionalProperties: false, default: {},
        description: 'the upstream loss_config.weights (unknown keys are errors: the upstream skipped misspelt ones silently)',
        properties: {
          recon_loss: weight(1, 'MSE reconstruction'),
          content_loss: weight(1, 'relu(r − c_frag/c_samp)/r'),
          style_loss: weight(1, 'relu(r − s_samp/s_frag)/r'),
          sample_loss: weight(1, 'relu(r − s_samp/c_samp)/r'),
          fragment_loss: weight(1, 'relu(r − c_frag/s_frag)/r'),
          commit_loss: weight(0.1, 'VQ commitment'),
        },
      },
      relativity: { type: 'number', exclusiveMinimum: 0, default: 15, description: 'the ratio each hinge asks for (15; 5 for SVHN and LibriSpeech)' },
      supersample_content: { type: 'boolean', default: false, description: 'adapted form: content sample variability over a near-square grid of pseudo-samples' },
      widen_style: { type: 'integer', minimum: 0, default: 0, description: 'adapted form: style averaged over a window of this many fragments (odd; 0 or 1 = off)' },
    },
  },
  create: (p) => new V3Loss(p),
});
