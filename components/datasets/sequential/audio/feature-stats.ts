/**
 * Per-band mean and standard deviation of feature frames (row-major `[frames × dim]` blocks), used to
 * standardise log-mel features with statistics of a fixed, deterministic probe subset.
 */
export function bandStats(blocks: Float32Array[], dim: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(dim), sq = new Float64Array(dim);
  let n = 0;
  for (const b of blocks) {
    for (let i = 0; i < b.length; i += dim) {
      for (let j = 0; j < dim; j++) { mean[j] += b[i + j]; sq[j] += b[i + j] * b[i + j]; }
      n++;
    }
  }
  const m = new Float32Array(dim), s = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    m[j] = mean[j] / Math.max(1, n);
    s[j] = Math.sqrt(Math.max(1e-8, sq[j] / Math.max(1, n) - m[j] * m[j]));
  }
  return { mean: m, std: s };
}

export function standardize(block: Float32Array, stats: { mean: Float32Array; std: Float32Array }): Float32Array {
  const dim = stats.mean.length;
  const out = new Float32Array(block.length);
  for (let i = 0; i < block.length; i++) out[i] = (block[i] - stats.mean[i % dim]) / stats.std[i % dim];
  return out;
}
