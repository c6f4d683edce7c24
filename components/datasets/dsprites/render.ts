/**
 * Procedural dSprites: a pure function (shape, scale, orientation, posX, posY) → 64×64 binary mask.
 *
 * Grid (matching `latents_possible_values` of dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz):
 *   color 1 (white) · shape 3 (square, ellipse, heart) · scale linspace(0.5, 1, 6) ·
 *   orientation linspace(0, 2π, 40) · posX linspace(0, 1, 32) · posY linspace(0, 1, 32).
 * Note the real orientation grid includes both 0 and 2π, so orientations 0 and 39 draw the same
 * image (as in the real set); `orientation_endpoint: false` gives the half-open [0, 2π) grid.
 *
 * Geometry (the real bitmaps cannot be derived, so these follow its look, not its pixels):
 *  - the sprite centre is at pixel coordinate 64 · (0.2 + 0.6 · pos) on each axis (posY grows
 *    downwards, along image rows), so every sprite stays inside the canvas;
 *  - size S = 16 px · scale: the square has side S, the ellipse semi-axes S/2 × S/4, the heart
 *    (the implicit curve (x²+y²−1)³ = x²y³) is scaled to width S;
 *  - rotation is counter-clockwise on screen by the orientation angle about the sprite centre;
 *  - each pixel is 4×4 supersampled and set to 1 when at least half its samples are inside.
 * Pixels are uint8 0/1, exactly like the real `imgs`.
 */
import { linspace } from '../grid.ts';
import type { ImageSource } from '../image-source.ts';
import { FactorGrid } from '../grid.ts';

export const DSPRITES_RENDERER_VERSION = 'dsprites-procedural/1';
export const DSPRITES_FACTOR_NAMES = ['color', 'shape', 'scale', 'orientation', 'posX', 'posY'] as const;
export const DSPRITES_FACTOR_SIZES = [1, 3, 6, 40, 32, 32] as const;
export const DSPRITES_SHAPES = ['square', 'ellipse', 'heart'] as const;

export const DSPRITES_CANVAS = 64;
export const DSPRITES_POSITION_LO = 0.2;
export const DSPRITES_POSITION_SPAN = 0.6;
export const DSPRITES_BASE_SIZE = 16;
const SUB = 4;

// Heart curve extents, from a 0.0005-step scan of (x²+y²−1)³ − x²y³ ≤ 0.
const HEART_HALF_WIDTH = 1.139;
const HEART_Y_MIN = -1.0;
const HEART_Y_MAX = 1.2365;

export interface DSpritesGridValues {
  scale: number[];
  orientation: number[];
  posX: number[];
  posY: number[];
}

export function dspritesValues(orientationEndpoint = true): DSpritesGridValues {
  return {
    scale: linspace(0.5, 1, 6),
    orientation: orientationEndpoint ? linspace(0, 2 * Math.PI, 40) : Array.from({ length: 40 }, (_, i) => (2 * Math.PI * i) / 40),
    posX: linspace(0, 1, 32),
    posY: linspace(0, 1, 32),
  };
}

function insideSquare(u: number, v: number, half: number): boolean {
  return Math.abs(u) <= half && Math.abs(v) <= half;
}

function insideEllipse(u: number, v: number, a: number, b: number): boolean {
  const x = u / a;
  const y = v / b;
  return x * x + y * y <= 1;
}

/** (u, v) in pixels, v pointing down the screen; k = curve units per pixel. */
function insideHeart(u: number, v: number, k: number): boolean {
  const x = u * k;
  const y = -v * k + (HEART_Y_MAX + HEART_Y_MIN) / 2; // centre the bounding box on the sprite centre
  const r = x * x + y * y - 1;
  return r * r * r - x * x * y * y * y <= 0;
}

/**
 * Draw one sprite into `out[offset .. offset + 64·64)` (cleared first). `shape` is 0 square,
 * 1 ellipse, 2 heart; `angle` in radians; `posX`/`posY` in [0, 1].
 */
export function renderDSprite(shape: number, scale: number, angle: number, posX: number, posY: number, out: Uint8Array, offset: number): void {
  const n = DSPRITES_CANVAS;
  out.fill(0, offset, offset + n * n);
  const s = DSPRITES_BASE_SIZE * scale;
  const cx = n * (DSPRITES_POSITION_LO + DSPRITES_POSITION_SPAN * posX);
  const cy = n * (DSPRITES_POSITION_LO + DSPRITES_POSITION_SPAN * posY);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const half = s / 2;
  const heartK = HEART_HALF_WIDTH / half;
  const reach = 0.75 * s + 1; // covers the square's half-diagonal and the heart's extent
  const r0 = Math.max(0, Math.floor(cy - reach));
  const r1 = Math.min(n - 1, Math.ceil(cy + reach));
  const c0 = Math.max(0, Math.floor(cx - reach));
  const c1 = Math.min(n - 1, Math.ceil(cx + reach));
  const need = (SUB * SUB) / 2;
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) {
      let hits = 0;
      for (let sy = 0; sy < SUB; sy++) {
        const dy = row + (sy + 0.5) / SUB - cy;
        for (let sx = 0; sx < SUB; sx++) {
          const dx = col + (sx + 0.5) / SUB - cx;
          // Counter-clockwise on screen (y down) is clockwise in maths axes: undo it on the sample.
          const u = cos * dx - sin * dy;
          const v = sin * dx + cos * dy;
          const inside = shape === 0 ? insideSquare(u, v, half) : shape === 1 ? insideEllipse(u, v, half, half / 2) : insideHeart(u, v, heartK);
          if (inside) hits++;
        }
      }
      if (hits >= need) out[offset + row * n + col] = 1;
    }
  }
}

/** The full procedural grid as an ImageSource (index → factors → image). */
export class DSpritesRenderer implements ImageSource {
  readonly grid = new FactorGrid(DSPRITES_FACTOR_SIZES);
  readonly count = this.grid.count;
  readonly shape = [DSPRITES_CANVAS, DSPRITES_CANVAS, 1] as const;
  readonly maxValue = 1;
  readonly values: DSpritesGridValues;

  constructor(orientationEndpoint = true) {
    this.values = dspritesValues(orientationEndpoint);
  }

  readInto(index: number, out: Uint8Array, offset: number): void {
    const f = this.grid.indexToFactors([index]);
    renderDSprite(f[1], this.values.scale[f[2]], this.values.orientation[f[3]], this.values.posX[f[4]], this.values.posY[f[5]], out, offset);
  }
}
