/**
 * The full factor grid of a ground-truth data set and its C-order indexing (last factor fastest),
 * as disentanglement_lib's `factor_bases = prod(sizes) / cumprod(sizes)`.
 */
import type { Rng } from '../../framework/util/rng.ts';
import { UntangleError } from '../../framework/util/errors.ts';

export class FactorGrid {
  readonly sizes: readonly number[];
  /** strides[i] = product of sizes[i+1..]. */
  readonly strides: readonly number[];
  readonly count: number;

  constructor(sizes: readonly number[]) {
    if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new UntangleError('grid_bad_sizes', 'factor sizes must be positive integers', { sizes });
    }
    this.sizes = [...sizes];
    const strides = new Array<number>(sizes.length);
    let s = 1;
    for (let i = sizes.length - 1; i >= 0; i--) { strides[i] = s; s *= sizes[i]; }
    this.strides = strides;
    this.count = s;
  }

  get numFactors(): number {
    return this.sizes.length;
  }

  indexToFactors(indices: ArrayLike<number>): Int32Array {
    const k = this.sizes.length;
    const out = new Int32Array(indices.length * k);
    for (let r = 0; r < indices.length; r++) {
      let idx = indices[r];
      this.checkIndex(idx);
      for (let i = 0; i < k; i++) {
        const q = Math.floor(idx / this.strides[i]);
        out[r * k + i] = q;
        idx -= q * this.strides[i];
      }
    }
    return out;
  }

  factorsToIndex(factors: Int32Array, n: number): Int32Array {
    const k = this.sizes.length;
    if (factors.length !== n * k) throw new UntangleError('grid_bad_factors', 'factor array length is not n × numFactors', { length: factors.length, n, numFactors: k });
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let idx = 0;
      for (let i = 0; i < k; i++) {
        const f = factors[r * k + i];
        if (f < 0 || f >= this.sizes[i]) throw new UntangleError('grid_factor_out_of_range', `factor ${i} value ${f} is outside [0, ${this.sizes[i]})`, { row: r, factor: i, value: f, size: this.sizes[i] });
        idx += f * this.strides[i];
      }
      out[r] = idx;
    }
    return out;
  }

  /** n rows of independent uniform factor values (factor by factor within a row, row by row). */
  sampleFactors(n: number, rng: Rng): Int32Array {
    const k = this.sizes.length;
    const out = new Int32Array(n * k);
    for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) out[r * k + i] = rng.int(this.sizes[i]);
    return out;
  }

  checkIndex(idx: number): void {
    if (!Number.isInteger(idx) || idx < 0 || idx >= this.count) {
      throw new UntangleError('grid_index_out_of_range', `index ${idx} is outside [0, ${this.count})`, { index: idx, count: this.count });
    }
  }
}

/** numpy's linspace(lo, hi, n) (endpoint included), in float64 as the real data sets store them. */
export function linspace(lo: number, hi: number, n: number): number[] {
  if (n === 1) return [lo];
  const step = (hi - lo) / (n - 1);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  out[n - 1] = hi;
  return out;
}
