/**
 * Discretisation and discrete information measures, as disentanglement_lib's `utils.py` defines
 * them: `_histogram_discretize` (np.histogram equal-width edges + np.digitize), and
 * `discrete_mutual_info` / `discrete_entropy`, both built on sklearn's `mutual_info_score`
 * (natural log, contingency-table estimate, clipped at 0).
 *
 * Matrices are row-major: codes are n × d, factors n × f, one row per point.
 */

/**
 * Bins of one column, like `np.digitize(x, np.histogram(x, numBins)[1][:-1])`: equal-width edges
 * between the column's min and max (min − 0.5 .. max + 0.5 when the column is constant, as numpy
 * does), values labelled 1..numBins, the maximum landing in bin numBins.
 */
export function histogramDiscretizeColumn(
  values: ArrayLike<number>, n: number, stride: number, offset: number, numBins: number, out: Int32Array,
): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i * stride + offset];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  // numpy's linspace: edge_k = k * step + start (the last edge, max, is never used by digitize here).
  // For float32 codes numpy stores the edges as float32 (bin dtype = data dtype); do the same so
  // values next to an edge land in the same bin as in the library. (numpy 1.x, the library's era,
  // computes the edges in float64 before storing them; numpy ≥ 2 computes them in float32
  // arithmetic, which can move a value lying within one float32 ulp of an edge.)
  const step = (hi - lo) / numBins;
  const edges = values instanceof Float32Array ? new Float32Array(numBins) : new Float64Array(numBins);
  for (let k = 0; k < numBins; k++) edges[k] = k * step + lo;
  for (let i = 0; i < n; i++) {
    const v = values[i * stride + offset];
    // digitize with right=False: number of edges <= v (edges ascending). Binary search.
    let a = 0;
    let b = numBins;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (edges[m] <= v) a = m + 1;
      else b = m;
    }
    out[i * stride + offset] = a;
  }
}

/** `_histogram_discretize` over every column of an n × d matrix; returns n × d bin labels (1..numBins). */
export function histogramDiscretize(codes: ArrayLike<number>, n: number, d: number, numBins: number): Int32Array {
  const out = new Int32Array(n * d);
  for (let j = 0; j < d; j++) histogramDiscretizeColumn(codes, n, d, j, numBins, out);
  return out;
}

/**
 * sklearn `mutual_info_score(a, b)` for two label columns (each read with a stride/offset from a
 * row-major matrix): Σ p_ij log(p_ij / (p_i p_j)) in nats over the non-empty cells, clipped at 0;
 * 0 when either column holds a single label.
 */
export function mutualInfoScore(
  a: ArrayLike<number>, aStride: number, aOffset: number,
  b: ArrayLike<number>, bStride: number, bOffset: number, n: number,
): number {
  const ia = denseLabels(a, aStride, aOffset, n);
  const ib = denseLabels(b, bStride, bOffset, n);
  if (ia.count === 1 || ib.count === 1) return 0;
  const joint = new Float64Array(ia.count * ib.count);
  const pa = new Float64Array(ia.count);
  const pb = new Float64Array(ib.count);
  for (let i = 0; i < n; i++) {
    joint[ia.labels[i] * ib.count + ib.labels[i]] += 1;
    pa[ia.labels[i]] += 1;
    pb[ib.labels[i]] += 1;
  }
  const logN = Math.log(n);
  let mi = 0;
  for (let x = 0; x < ia.count; x++) {
    for (let y = 0; y < ib.count; y++) {
      const c = joint[x * ib.count + y];
      if (c === 0) continue;
      // (c/N) * log(c N / (a_x b_y))
      mi += (c / n) * (Math.log(c) + logN - Math.log(pa[x]) - Math.log(pb[y]));
    }
  }
  return Math.max(mi, 0);
}

/** Relabels a column to 0..count-1 (order irrelevant: MI is invariant to relabelling). */
function denseLabels(v: ArrayLike<number>, stride: number, offset: number, n: number): { labels: Int32Array; count: number } {
  const map = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const key = v[i * stride + offset];
    let id = map.get(key);
    if (id === undefined) {
      id = map.size;
      map.set(key, id);
    }
    labels[i] = id;
  }
  return { labels, count: map.size };
}

/**
 * `discrete_mutual_info(mus, ys)`: the d × f matrix m[i][j] = MI(code bin i, factor j), row-major.
 */
export function discreteMutualInfo(
  discreteCodes: Int32Array, d: number, factors: ArrayLike<number>, f: number, n: number,
): Float64Array {
  const m = new Float64Array(d * f);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < f; j++) m[i * f + j] = mutualInfoScore(factors, f, j, discreteCodes, d, i, n);
  }
  return m;
}

/** `discrete_entropy(ys)`: H(factor j) in nats, computed as MI(y_j, y_j) exactly like the library. */
export function discreteEntropy(factors: ArrayLike<number>, f: number, n: number): Float64Array {
  const h = new Float64Array(f);
  for (let j = 0; j < f; j++) h[j] = mutualInfoScore(factors, f, j, factors, f, j, n);
  return h;
}
