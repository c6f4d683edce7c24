import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Loss, LossTerms, Outputs, StepContext } from '../../../framework/contracts/index.ts';
import type { Batch } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { klDiagGaussians, sumPerExample } from './kl.ts';
import { LIKELIHOODS, sequenceNll, type Likelihood } from './likelihood.ts';

export interface SequentialElboParams {
  likelihood: Likelihood;
  /** Weight on every KL term (β of the β-scaled sequential ELBOs of the DVAE review). */
  beta: number;
  /** Per-group multipliers on top of β, e.g. `{ f: 1, z: 1 }`. */
  kl_weights: Record<string, number>;
  /**
   * Linear KL warm-up: the KL weights ramp from 0 at step 0 to their value at this step (0: none).
   * Short runs need it: at full weight from step 0 the codes collapse to the prior before the
   * decoder can use them (a 400-step CPU DSVAE ended at KL(f) 0.9 nats, KL(z) 0.2).
   */
  kl_warmup: number;
  /** Extra terms (MI penalty, static consistency, ...): each a loss component whose total is added. */
  terms: Record<string, Loss | null>;
}

/** Latent groups in a model's outputs: every `<g>_mu` with a `<g>_logvar` (not itself a prior). */
export function latentGroups(out: Outputs): string[] {
  return Object.keys(out).filter((k) => k.endsWith('_mu') && !k.includes('_prior_') && !k.endsWith('_shuffled_mu'))
    .map((k) => k.slice(0, -3)).filter((g) => out[`${g}_logvar`] !== undefined).sort();
}

/**
 * Latent groups scored by sampling: every `<g>_log_q` with a `<g>_log_p`, per example `[B]`, the
 * log-densities of the posterior sample under q and under the prior (KVAE's a, whose prior is the
 * state-space marginal from the Kalman filter: no closed-form KL exists).
 */
export function sampledGroups(out: Outputs): string[] {
  return Object.keys(out).filter((k) => k.endsWith('_log_q')).map((k) => k.slice(0, -6))
    .filter((g) => out[`${g}_log_p`] !== undefined).sort();
}

/**
 * The sequential ELBO shared by DSVAE, VRNN, DKF, STORN, SRNN and RVAE (Girin et al.'s review):
 * E_q[−log p(x_1:T | ·)] + β Σ_g w_g KL(q_g ‖ p_g), averaged over the batch, where each latent
 * group g's KL is summed over time and dimensions, against the model's learned prior
 * (`<g>_prior_mu/logvar`) when it outputs one and N(0, I) otherwise; groups given as sampled
 * log-densities (`<g>_log_q`, `<g>_log_p`) contribute the one-sample estimate log q − log p. Terms: `recon`, `kl_<g>`,
 * `elbo`, plus the extra terms' own.
 */
export class SequentialELBO implements Loss {
  constructor(readonly p: SequentialElboParams) {}

  compute(batch: Batch, out: Outputs, ctx: StepContext): LossTerms {
    if (!out.x_hat) throw new UntangleError('loss.outputs', 'SequentialELBO needs the model output `x_hat`', { outputs: Object.keys(out) });
    const recon = tf.mean(sequenceNll(batch.x, out.x_hat, this.p.likelihood, out.x_logvar, batch.mask)) as tf.Scalar;
    const terms: Record<string, tf.Scalar> = { recon };
    const ramp = this.p.kl_warmup > 0 ? Math.min(1, ctx.step / this.p.kl_warmup) : 1;
    let klSum: tf.Scalar = tf.scalar(0);
    let weighted: tf.Scalar = tf.scalar(0);
    for (const g of latentGroups(out)) {
      const mu = out[`${g}_mu`], lv = out[`${g}_logvar`];
      const pMu = out[`${g}_prior_mu`] ?? tf.zerosLike(mu);
      const pLv = out[`${g}_prior_logvar`] ?? tf.zerosLike(lv);
      const kl = tf.mean(sumPerExample(klDiagGaussians(mu, lv, pMu, pLv))) as tf.Scalar;
      terms[`kl_${g}`] = kl;
      klSum = tf.add(klSum, kl);
      weighted = tf.add(weighted, tf.mul(ramp * this.p.beta * (this.p.kl_weights[g] ?? 1), kl));
    }
    for (const g of sampledGroups(out)) {
      const kl = tf.mean(tf.sub(out[`${g}_log_q`], out[`${g}_log_p`])) as tf.Scalar;
      terms[`kl_${g}`] = kl;
      klSum = tf.add(klSum, kl);
      weighted = tf.add(weighted, tf.mul(ramp * this.p.beta * (this.p.kl_weights[g] ?? 1), kl));
    }
    terms.elbo = tf.neg(tf.add(recon, klSum)) as tf.Scalar;
    let total = tf.add(recon, weighted) as tf.Scalar;
    for (const [name, term] of Object.entries(this.p.terms)) {
      if (!term) continue;
      const r = term.compute(batch, out, ctx);
      total = tf.add(total, r.total);
      for (const [k, v] of Object.entries(r.terms)) terms[k === 'total' ? name : k] = v;
    }
    return { total, terms };
  }
}

export const sequentialElboSpec = defineComponent<SequentialElboParams, SequentialELBO>({
  target: 'untangle.losses.SequentialELBO',
  kind: 'loss',
  description: 'Sequential ELBO (recon + β·Σ KL per latent group vs learned or N(0,I) priors) with optional extra terms',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      likelihood: { enum: [...LIKELIHOODS], default: 'mse' },
      beta: { type: 'number', minimum: 0, default: 1 },
      kl_weights: { type: 'object', additionalProperties: { type: 'number', minimum: 0 }, default: {} },
      kl_warmup: { type: 'integer', minimum: 0, default: 0, description: 'steps of linear KL warm-up from 0 (0: none)' },
      terms: { type: 'object', additionalProperties: { 'x-kind': 'loss' }, default: {} },
    },
  },
  create: (p) => new SequentialELBO(p),
});
