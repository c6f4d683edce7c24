import type { Rng } from '../../../framework/util/rng.ts';

/**
 * The upstream PhoneNums blur (`dataset/phonenums/typography.py`, `random_gradual_blur`), which
 * varies per cell, not per page: the page is cut into `strips` = 10 vertical strips (one 32-px
 * cell each); each strip draws a level 2·(2·randint(1, randint(2, 5))) + 1 ∈ {5, 9, 13} (with
 * probabilities 11/18, 5/18, 2/18), and column j of strip i is blurred vertically with the odd
 * kernel size int(linspace(level_i, level_{i+1}, 32)[j]) (rounded up to odd), the last strip
 * with its own level. OpenCV's `GaussianBlur` on a one-column image is a purely vertical blur.
 */

/** Per-cell blur levels, drawn as the upstream's nested `np.random.randint`. */
export function cellBlurLevels(rng: Rng, strips: number): number[] {
  return Array.from({ length: strips }, () => 2 * ((1 + rng.int(1 + rng.int(3))) * 2) + 1);
}

/** Odd kernel size of every column of the page (`cellW` columns per strip). */
export function columnKernelSizes(levels: readonly number[], cellW: number): Int32Array {
  const out = new Int32Array(levels.length * cellW);
  for (let i = 0; i < levels.length; i++) for (let j = 0; j < cellW; j++) {
    // np.linspace(a, b, cellW)[j] = a + (b − a)·j/(cellW − 1); the last strip is constant.
    const b = i < levels.length - 1 ? levels[i + 1] : levels[i];
    let k = Math.trunc(levels[i] + ((b - levels[i]) * j) / (cellW - 1));
    if (k % 2 === 0) k += 1;
    out[i * cellW + j] = k;
  }
  return out;
}

/** OpenCV's fixed kernels for sizes ≤ 7 when σ ≤ 0 (`getGaussianKernel`'s small_gaussian_tab). */
const SMALL: Record<number, number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
  7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
};

/** `cv2.getGaussianKernel(k, 0)`: σ = 0.3·((k − 1)/2 − 1) + 0.8, normalised. */
export function gaussianKernel(k: number): Float64Array {
  if (SMALL[k]) return Float64Array.from(SMALL[k]);
  const sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8, h = (k - 1) / 2;
  const w = Float64Array.from({ length: k }, (_, i) => Math.exp(-((i - h) ** 2) / (2 * sigma * sigma)));
  const s = w.reduce((a, v) => a + v, 0);
  return w.map((v) => v / s);
}

/** OpenCV's default border, BORDER_REFLECT_101: …, 2, 1 | 0, 1, …, n−1 | n−2, … */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

/** Vertical blur of a `[h, w]` plane, column x with kernel size `sizes[x]`. */
export function blurColumns(plane: Float32Array, h: number, w: number, sizes: Int32Array): Float32Array {
  const out = new Float32Array(plane.length);
  const kernels = new Map<number, Float64Array>();
  for (let x = 0; x < w; x++) {
    const k = sizes[x];
    let g = kernels.get(k);
    if (!g) { g = gaussianKernel(k); kernels.set(k, g); }
    const r = (k - 1) / 2;
    for (let y = 0; y < h; y++) {
      let s = 0;
      for (let d = -r; d <= r; d++) s += g[d + r] * plane[reflect101(y + d, h) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}
