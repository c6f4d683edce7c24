/**
 * The generation scores of the sequential-disentanglement papers (DSVAE, S3VAE, C-DSVAE), from a
 * judge's class probabilities p(y | x_i) of n generated sequences (row-major `[n × C]`):
 *   H(y|x) = mean_i H(p(y | x_i))           (low: each sample is confidently one class)
 *   H(y)   = H(mean_i p(y | x_i))           (high: the classes are covered; ≤ log C)
 *   IS     = exp(mean_i KL(p(y|x_i) ‖ p(y)))  (Inception Score; ≤ C), natural logs.
 */
export function entropyScores(probs: Float32Array, n: number, c: number): { is: number; hYx: number; hY: number } {
  const marginal = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) marginal[k] += probs[i * c + k] / n;
  const xlogx = (p: number) => (p > 0 ? p * Math.log(p) : 0);
  let hYx = 0, kl = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) {
    const p = probs[i * c + k];
    hYx -= xlogx(p) / n;
    if (p > 0) kl += (p * (Math.log(p) - Math.log(marginal[k]))) / n;
  }
  let hY = 0;
  for (let k = 0; k < c; k++) hY -= xlogx(marginal[k]);
  return { is: Math.exp(kl), hYx, hY };
}
