import { GLYPH_H, GLYPH_W, glyphInk } from '../sequential/digit-font.ts';
import { Rng } from '../../../framework/util/rng.ts';

export const CELL_W = 32;
export const CELL_H = 48;
export const BACKGROUND = 245;

/** The upstream's 8 training ink colours, RGB in [0, 1] (matplotlib's named colours). */
export const PALETTE: readonly { name: string; rgb: [number, number, number] }[] = [
  { name: 'black', rgb: [0, 0, 0] }, { name: 'blue', rgb: [0, 0, 1] }, { name: 'green', rgb: [0, 0.5, 0] },
  { name: 'red', rgb: [1, 0, 0] }, { name: 'teal', rgb: [0, 0.5, 0.5] }, { name: 'purple', rgb: [0.5, 0, 0.5] },
  { name: 'orange', rgb: [1, 0.647, 0] }, { name: 'brown', rgb: [0.647, 0.165, 0.165] },
];

/** The out-of-distribution palette: 8 colours no training page uses. */
export const OOD_PALETTE: readonly { name: string; rgb: [number, number, number] }[] = [
  { name: 'pink', rgb: [1, 0.753, 0.796] }, { name: 'salmon', rgb: [0.98, 0.502, 0.447] }, { name: 'gold', rgb: [1, 0.843, 0] },
  { name: 'lime', rgb: [0, 1, 0] }, { name: 'cyan', rgb: [0, 1, 1] }, { name: 'magenta', rgb: [1, 0, 1] },
  { name: 'gray', rgb: [0.502, 0.502, 0.502] }, { name: 'peru', rgb: [0.804, 0.522, 0.247] },
];

const BLURS = [5, 9, 13];
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
  ink: [number, number, number];
  blur: number;
}

/** What page `i` of a stream seeded `seed` looks like, drawn from its own generator (pages are independent). */
export function pageSpec(seed: number, i: number, palette: typeof PALETTE): PageSpec {
  const rng = new Rng((seed * 1000003 + i * 7919) >>> 0);
  const colour = rng.int(palette.length);
  const ink = palette[colour].rgb.map((c) => Math.round(c * 240 + 8) + rng.int(5) - 2) as [number, number, number];
  return { digits: pageDigits(i), colour, ink, blur: BLURS[rng.int(BLURS.length)] };
}

/**
 * Renders the first `n` cells of a page as uint8 RGB, `[n, 48, 32, 3]`: the 5×7 glyph scaled ×4
 * (20×28 px, nearest) at a small random offset in each 32×48 cell, ink on background 245, a
 * vertical box blur of the page's kernel height, then Gaussian noise σ = 3 rounded to integers
 * (the upstream truncated with `np.uint8`, biasing every pixel down).
 */
export function renderPage(spec: PageSpec, n: number, seed: number, i: number): Uint8Array {
  const rng = new Rng((seed * 2654435761 + i * 40503 + 17) >>> 0);
  const S = 4;
  const cov = new Float32Array(n * CELL_H * CELL_W);
  for (let f = 0; f < n; f++) {
    const ox = Math.floor((CELL_W - GLYPH_W * S) / 2) + rng.int(5) - 2;
    const oy = Math.floor((CELL_H - GLYPH_H * S) / 2) + rng.int(5) - 2;
    for (let r = 0; r < GLYPH_H * S; r++) for (let c = 0; c < GLYPH_W * S; c++) {
      if (glyphInk(spec.digits[f], Math.floor(c / S), Math.floor(r / S))) cov[(f * CELL_H + oy + r) * CELL_W + ox + c] = 1;
    }
  }
  // Vertical blur within each cell (replicate edges), so strokes smear up and down only.
  const h = (spec.blur - 1) / 2;
  const blurred = new Float32Array(cov.length);
  for (let f = 0; f < n; f++) for (let y = 0; y < CELL_H; y++) for (let x = 0; x < CELL_W; x++) {
    let s = 0;
    for (let d = -h; d <= h; d++) s += cov[(f * CELL_H + Math.min(CELL_H - 1, Math.max(0, y + d))) * CELL_W + x];
    blurred[(f * CELL_H + y) * CELL_W + x] = s / spec.blur;
  }
  const out = new Uint8Array(cov.length * 3);
  for (let p = 0; p < cov.length; p++) for (let ch = 0; ch < 3; ch++) {
    const a = Math.min(1, blurred[p] * 1.5);
    const v = BACKGROUND + (spec.ink[ch] - BACKGROUND) * a + 3 * rng.normal();
    out[p * 3 + ch] = Math.min(255, Math.max(0, Math.round(v)));
  }
  return out;
}
