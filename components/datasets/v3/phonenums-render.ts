import { GLYPH_H, GLYPH_W, glyphInk } from '../sequential/digit-font.ts';
import { Rng } from '../../../framework/util/rng.ts';
import { blurColumns, cellBlurLevels, columnKernelSizes } from './phonenums-blur.ts';

export const CELL_W = 32;
export const CELL_H = 48;
export const BACKGROUND = 245;

/**
 * The upstream's 8 training ink colours: matplotlib's named colours, whose `to_rgb` is the 8-bit
 * hex value / 255 (so 'green' is 128/255, not 0.5).
 */
export const PALETTE: readonly { name: string; rgb: [number, number, number] }[] = [
  { name: 'black', rgb: hex(0x000000) }, { name: 'blue', rgb: hex(0x0000ff) }, { name: 'green', rgb: hex(0x008000) },
  { name: 'red', rgb: hex(0xff0000) }, { name: 'teal', rgb: hex(0x008080) }, { name: 'purple', rgb: hex(0x800080) },
  { name: 'orange', rgb: hex(0xffa500) }, { name: 'brown', rgb: hex(0xa52a2a) },
];

/** The out-of-distribution palette: 8 colours no training page uses. */
export const OOD_PALETTE: readonly { name: string; rgb: [number, number, number] }[] = [
  { name: 'pink', rgb: hex(0xffc0cb) }, { name: 'salmon', rgb: hex(0xfa8072) }, { name: 'gold', rgb: hex(0xffd700) },
  { name: 'lime', rgb: hex(0x00ff00) }, { name: 'cyan', rgb: hex(0x00ffff) }, { name: 'magenta', rgb: hex(0xff00ff) },
  { name: 'gray', rgb: hex(0x808080) }, { name: 'peru', rgb: hex(0xcd853f) },
];

function hex(v: number): [number, number, number] {
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => c / 255) as [number, number, number];
}

/** The upstream's ink value of a palette colour: `int(c·240 + 8)` (truncation, as Python's int()). */
export function inkOf(rgb: readonly number[]): [number, number, number] {
  return rgb.map((c) => Math.floor(c * 240 + 8)) as [number, number, number];
}

/** ±2 per channel, the upstream's `np.random.randint(-2, 3, 3)`. */
function jitter(rng: Rng, v: readonly number[]): [number, number, number] {
  return v.map((c) => Math.min(255, Math.max(0, c + rng.int(5) - 2))) as [number, number, number];
}

const FACTORIAL_10 = 3628800;
/** Odd and not divisible by 3, 5 or 7, so i ↦ (A·i + C) mod 10! is a bijection: page i gets a permutation no other page has. */
const PERM_A = 1103519;
const PERM_C = 12345;

/** The k-th permutation of 0…9 in lexicographic order (Lehmer code). */
export function permutation(k: number): number[] {
  const left = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const out: number[] = [];
  let f = FACTORIAL_10;
  for (let m = 10; m >= 1; m--) {
    f /= m;
    const q = Math.floor(k / f);
    k -= q * f;
    out.push(left.splice(q, 1)[0]);
  }
  return out;
}

/** The digit order of page `i` (unique for i < 10!). */
export function pageDigits(i: number): number[] {
  return permutation(Number((BigInt(PERM_A) * BigInt(i) + BigInt(PERM_C)) % BigInt(FACTORIAL_10)));
}

export interface PageSpec {
  digits: number[];
  colour: number;
  /** The page's ink: the palette colour's `int(c·240 + 8)` ±2 (each cell jitters it again by ±2). */
  ink: [number, number, number];
  /** The page's background: 245 ±2 per channel. */
  background: [number, number, number];
  /** Blur level of each cell, 5, 9 or 13 (phonenums-blur.ts). */
  blur: number[];
  /** Standard deviation of the page's pixel noise, uniform in [0, 1) (the upstream's `np.random.random()`). */
  noise: number;
}

/**
 * What page `i` of a stream seeded `seed` looks like, drawn from its own generator (pages are
 * independent). `colour` forces the palette entry (the `shot` split cycles through them).
 */
export function pageSpec(seed: number, i: number, palette: typeof PALETTE, colour?: number): PageSpec {
  const rng = new Rng((seed * 1000003 + i * 7919) >>> 0);
  const drawn = rng.int(palette.length);
  const c = colour ?? drawn;
  const ink = jitter(rng, inkOf(palette[c].rgb));
  const background = jitter(rng, [BACKGROUND, BACKGROUND, BACKGROUND]);
  return { digits: pageDigits(i), colour: c, ink, background, blur: cellBlurLevels(rng, 10), noise: rng.uniform() };
}

/**
 * Renders the first `n` cells of a page as uint8 RGB, `[n, 48, 32, 3]`, as the upstream's
 * `Typography.printer` does with all its distortions: each cell's glyph (the 5×7 font scaled ×4,
 * 20×28 px, nearest, at a small random offset in its 32×48 cell) in the page's ink jittered ±2
 * again per cell, on the page's background; the upstream's per-cell vertical Gaussian blur; then
 * Gaussian noise of the page's σ < 1, rounded (the upstream casts it with `np.uint8`: toward zero,
 * negatives wrapping to 255 and back on the uint8 add).
 */
export function renderPage(spec: PageSpec, n: number, seed: number, i: number): Uint8Array {
  const rng = new Rng((seed * 2654435761 + i * 40503 + 17) >>> 0);
  const S = 4;
  // Each cell is one strip of the upstream's page-wide blur, so the page is laid out as [48, 32·10].
  const W = CELL_W * spec.blur.length;
  const cov = new Float32Array(CELL_H * W);
  const inks: [number, number, number][] = [];
  for (let f = 0; f < n; f++) {
    inks.push(jitter(rng, spec.ink));
    const ox = f * CELL_W + Math.floor((CELL_W - GLYPH_W * S) / 2) + rng.int(5) - 2;
    const oy = Math.floor((CELL_H - GLYPH_H * S) / 2) + rng.int(5) - 2;
    for (let r = 0; r < GLYPH_H * S; r++) for (let c = 0; c < GLYPH_W * S; c++) {
      if (glyphInk(spec.digits[f], Math.floor(c / S), Math.floor(r / S))) cov[(oy + r) * W + ox + c] = 1;
    }
  }
  // Blurring the coverage is blurring the picture: within a column the ink and background are constant.
  const blurred = blurColumns(cov, CELL_H, W, columnKernelSizes(spec.blur, CELL_W));
  const out = new Uint8Array(n * CELL_H * CELL_W * 3);
  for (let f = 0; f < n; f++) for (let y = 0; y < CELL_H; y++) for (let x = 0; x < CELL_W; x++) {
    const a = blurred[y * W + f * CELL_W + x], o = ((f * CELL_H + y) * CELL_W + x) * 3;
    for (let ch = 0; ch < 3; ch++) {
      const v = spec.background[ch] + (inks[f][ch] - spec.background[ch]) * a + spec.noise * rng.normal();
      out[o + ch] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  return out;
}
