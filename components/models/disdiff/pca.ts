/**
 * First principal direction of each unit's codes (the paper reduces every D-dimensional unit to
 * one number by PCA). Power iteration on the D×D covariance, in float64; the sign is fixed so
 * that the direction's largest-magnitude component is positive (deterministic output).
 */
export interface UnitPca {
  mean: Float64Array; // [N·D]
  dirs: Float64Array; // [N·D]
}

export function fitUnitPca(codes: Float32Array, n: number, units: number, dim: number, iters = 200): UnitPca {
  const mean = new Float64Array(units * dim);
  const dirs = new Float64Array(units * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < units * dim; j++) mean[j] += codes[i * units * dim + j] / n;
  for (let u = 0; u < units; u++) {
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < n; i++) {
      const base = i * units * dim + u * dim;
      for (let a = 0; a < dim; a++) {
        const da = codes[base + a] - mean[u * dim + a];
        for (let b = 0; b < dim; b++) cov[a * dim + b] += (da * (codes[base + b] - mean[u * dim + b])) / Math.max(1, n - 1);
      }
    }
    let v = new Float64Array(dim).map((_, i) => 1 / Math.sqrt(dim) + i * 1e-3);
    for (let it = 0; it < iters; it++) {
      const w = new Float64Array(dim);
      for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) w[a] += cov[a * dim + b] * v[b];
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      v = w.map((x) => x / norm);
    }
    let big = 0;
    for (let a = 0; a < dim; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a;
    const sign = v[big] < 0 ? -1 : 1;
    for (let a = 0; a < dim; a++) dirs[u * dim + a] = sign * v[a];
  }
  return { mean, dirs };
}

/** Project `[n, N·D]` codes onto each unit's direction → `[n, N]`. */
export function projectUnits(codes: Float32Array, n: number, units: number, dim: number, pca: UnitPca): Float32Array {
  const out = new Float32Array(n * units);
  for (let i = 0; i < n; i++) for (let u = 0; u < units; u++) {
    let s = 0;
    for (let a = 0; a < dim; a++) s += (codes[i * units * dim + u * dim + a] - pca.mean[u * dim + a]) * pca.dirs[u * dim + a];
    out[i * units + u] = s;
  }
  return out;
}
