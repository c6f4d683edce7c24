import type { Rng } from '../../../framework/util/rng.ts';

/**
 * C-order (last factor fastest) conversions between grid indices and factor rows, shared by the
 * procedural sequential data sets whose examples are exactly the cells of a factor grid.
 */
export class FactorGrid {
  readonly size: number;

  constructor(readonly sizes: readonly number[]) {
    this.size = sizes.reduce((a, b) => a * b, 1);
  }

  indexToFactors(indices: ArrayLike<number>): Int32Array {
    const k = this.sizes.length;
    const out = new Int32Array(indices.length * k);
    for (let i = 0; i < indices.length; i++) {
      let r = indices[i];
      for (let j = k - 1; j >= 0; j--) {
        out[i * k + j] = r % this.sizes[j];
        r = Math.floor(r / this.sizes[j]);
      }
    }
    return out;
  }

  factorsToIndex(factors: Int32Array, n: number): Int32Array {
    const k = this.sizes.length;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let idx = 0;
      for (let j = 0; j < k; j++) idx = idx * this.sizes[j] + factors[i * k + j];
      out[i] = idx;
    }
    return out;
  }

  sample(n: number, rng: Rng): Int32Array {
    const k = this.sizes.length;
    const out = new Int32Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = rng.int(this.sizes[j]);
    return out;
  }

  /** Columns `cols` of n factor rows, as a new row-major array. */
  columns(factors: Int32Array, n: number, cols: readonly number[]): Int32Array {
    const k = this.sizes.length;
    const out = new Int32Array(n * cols.length);
    for (let i = 0; i < n; i++) cols.forEach((c, j) => { out[i * cols.length + j] = factors[i * k + c]; });
    return out;
  }
}
