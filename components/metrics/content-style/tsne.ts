import { UntangleError } from '../../../framework/util/errors.ts';
import type { Rng } from '../../../framework/util/rng.ts';

/**
 * Exact t-SNE (van der Maaten & Hinton 2008) with sklearn's exact-method defaults: perplexity 30
 * found per point by bisection on the Gaussian precision (entropy tolerance 1e-5, 100 steps),
 * symmetric P = (P + Pᵀ) / Σ, early exaggeration 12 for the first 250 iterations with momentum 0.5,
 * then momentum 0.8, per-coordinate gains (+0.2 / ×0.8, at least 0.01), learning rate
 * max(N / 12 / 4, 50) (sklearn's "auto"), N(0, 1e-4) initialisation as in the paper. O(N²) per
 * iteration: meant for ≤ 2000 points.
 */
export interface TsneOptions {
  dims?: number;
  perplexity?: number;
  iterations?: number;
  earlyExaggeration?: number;
  exaggerationIterations?: number;
}

export interface TsneResult {
  /** Row-major n × dims. */
  embedding: Float64Array;
  /** KL(P‖Q) after each iteration (with P unexaggerated). */
  kl: number[];
}

const MACHINE_EPS = 2.220446049250313e-16;

/** Squared Euclidean distances, n × n. */
export function squaredDistances(x: Float32Array | Float64Array, n: number, d: number): Float64Array {
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) { const v = x[i * d + t] - x[j * d + t]; s += v * v; }
    D[i * n + j] = s; D[j * n + i] = s;
  }
  return D;
}

/**
 * Conditional probabilities p_{j|i} ∝ exp(−β_i D_ij), each row's β chosen by bisection so that the
 * row's entropy (nats) is log(perplexity). Row-major n × n, zero diagonal.
 */
export function conditionalP(D: Float64Array, n: number, perplexity: number): Float64Array {
  const P = new Float64Array(n * n);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    let beta = 1, lo = -Infinity, hi = Infinity;
    for (let step = 0; step < 100; step++) {
      let sum = 0, sumDP = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) { P[i * n + j] = 0; continue; }
        const p = Math.exp(-D[i * n + j] * beta);
        P[i * n + j] = p; sum += p;
      }
      if (sum === 0) sum = 1e-8;
      for (let j = 0; j < n; j++) { P[i * n + j] /= sum; sumDP += D[i * n + j] * P[i * n + j]; }
      const entropy = Math.log(sum) + beta * sumDP;
      const diff = entropy - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) { lo = beta; beta = hi === Infinity ? beta * 2 : (beta + hi) / 2; }
      else { hi = beta; beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2; }
    }
  }
  return P;
}

/** Perplexity 2^H (H in bits) of one row of a probability matrix: the closed check of conditionalP. */
export function rowPerplexity(P: Float64Array, n: number, i: number): number {
  let h = 0;
  for (let j = 0; j < n; j++) { const p = P[i * n + j]; if (p > 0) h -= p * Math.log(p); }
  return Math.exp(h);
}

export function tsne(x: Float32Array | Float64Array, n: number, d: number, rng: Rng, opts: TsneOptions = {}): TsneResult {
  const dims = opts.dims ?? 2, perplexity = opts.perplexity ?? 30, iters = opts.iterations ?? 1000;
  const exag = opts.earlyExaggeration ?? 12, exagIters = opts.exaggerationIterations ?? 250;
  if (n < 3) throw new UntangleError('tsne.size', 't-SNE needs at least 3 points', { n });
  if (perplexity >= n) throw new UntangleError('tsne.perplexity', `perplexity ${perplexity} must be below the number of points ${n}`, { n, perplexity });
  const cond = conditionalP(squaredDistances(x, n, d), n, perplexity);
  const P = new Float64Array(n * n);
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { P[i * n + j] = cond[i * n + j] + cond[j * n + i]; total += P[i * n + j]; }
  for (let k = 0; k < P.length; k++) P[k] = Math.max(P[k] / total, MACHINE_EPS);
  for (let i = 0; i < n; i++) P[i * n + i] = 0;
  const Y = new Float64Array(n * dims);
  for (let k = 0; k < Y.length; k++) Y[k] = 1e-4 * rng.normal();
  const update = new Float64Array(Y.length), gains = new Float64Array(Y.length).fill(1), grad = new Float64Array(Y.length);
  const W = new Float64Array(n * n);
  const lr = Math.max(n / exag / 4, 50);
  const kl: number[] = [];
  for (let it = 0; it < iters; it++) {
    const ex = it < exagIters ? exag : 1;
    const momentum = it < exagIters ? 0.5 : 0.8;
    let z = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < dims; t++) { const v = Y[i * dims + t] - Y[j * dims + t]; s += v * v; }
      const w = 1 / (1 + s);
      W[i * n + j] = w; W[j * n + i] = w; z += 2 * w;
    }
    grad.fill(0);
    let c = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const q = Math.max(W[i * n + j] / z, MACHINE_EPS), p = P[i * n + j];
      c += p * Math.log(Math.max(p, MACHINE_EPS) / q);
      const m = 4 * (ex * p - q) * W[i * n + j];
      for (let t = 0; t < dims; t++) grad[i * dims + t] += m * (Y[i * dims + t] - Y[j * dims + t]);
    }
    kl.push(c);
    for (let k = 0; k < Y.length; k++) {
      gains[k] = Math.sign(update[k]) !== Math.sign(grad[k]) ? gains[k] + 0.2 : gains[k] * 0.8;
      if (gains[k] < 0.01) gains[k] = 0.01;
      update[k] = momentum * update[k] - lr * gains[k] * grad[k];
      Y[k] += update[k];
    }
  }
  return { embedding: Y, kl };
}
