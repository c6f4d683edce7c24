/**
 * Procedural Shapes3D over the real grid (3dshapes.h5 label values):
 *   floor hue, wall hue, object hue: 10 each, hue = 0.0, 0.1, …, 0.9 (HSV with s = v = 1;
 *     the real labels stop at 0.9, since hue 1.0 would repeat hue 0.0);
 *   scale: linspace(0.75, 1.25, 8); shape: cube, cylinder, sphere, capsule;
 *   orientation: linspace(-30, 30, 15) degrees of camera azimuth.
 * 64×64×3 uint8. The scene cast (scene.ts) is memoised per (scale, shape, orientation), at most
 * 480 casts of 48 KiB each; an image is then a per-pixel weighted sum of three hue colours.
 */
import { FactorGrid, linspace } from '../grid.ts';
import type { ImageSource } from '../image-source.ts';
import { castScene, hueToRgb } from './scene.ts';

export const SHAPES3D_RENDERER_VERSION = 'shapes3d-procedural/2';
export const SHAPES3D_FACTOR_NAMES = ['floor_hue', 'wall_hue', 'object_hue', 'scale', 'shape', 'orientation'] as const;
export const SHAPES3D_FACTOR_SIZES = [10, 10, 10, 8, 4, 15] as const;

export const SHAPES3D_VALUES = {
  hue: Array.from({ length: 10 }, (_, i) => i / 10),
  scale: linspace(0.75, 1.25, 8),
  shape: [0, 1, 2, 3],
  orientation: linspace(-30, 30, 15),
};

export class Shapes3DRenderer implements ImageSource {
  readonly grid = new FactorGrid(SHAPES3D_FACTOR_SIZES);
  readonly count = this.grid.count;
  readonly shape = [64, 64, 3] as const;
  readonly maxValue = 255;
  private readonly casts = new Map<number, Float32Array>();
  private readonly hueRgb = SHAPES3D_VALUES.hue.map(hueToRgb);

  /** The memoised cast for one geometry. */
  cast(scale: number, shape: number, orientation: number): Float32Array {
    const key = (scale * 4 + shape) * 15 + orientation;
    let w = this.casts.get(key);
    if (w === undefined) {
      w = castScene(shape, SHAPES3D_VALUES.scale[scale], SHAPES3D_VALUES.orientation[orientation]);
      this.casts.set(key, w);
    }
    return w;
  }

  renderFactors(f: ArrayLike<number>, out: Uint8Array, offset: number): void {
    const w = this.cast(f[3], f[4], f[5]);
    const floor = this.hueRgb[f[0]], wall = this.hueRgb[f[1]], obj = this.hueRgb[f[2]];
    const f0 = floor[0] * 255, f1 = floor[1] * 255, f2 = floor[2] * 255;
    const w0 = wall[0] * 255, w1 = wall[1] * 255, w2 = wall[2] * 255;
    const o0 = obj[0] * 255, o1 = obj[1] * 255, o2 = obj[2] * 255;
    for (let p = 0, q = offset; p < w.length; p += 3, q += 3) {
      const a = w[p], b = w[p + 1], c = w[p + 2];
      // Weights sum to at most 1 (up to float error, hence the clamp: Uint8Array wraps, not clamps).
      out[q] = Math.min(255, Math.round(a * f0 + b * w0 + c * o0));
      out[q + 1] = Math.min(255, Math.round(a * f1 + b * w1 + c * o1));
      out[q + 2] = Math.min(255, Math.round(a * f2 + b * w2 + c * o2));
    }
  }

  readInto(index: number, out: Uint8Array, offset: number): void {
    this.renderFactors(this.grid.indexToFactors([index]), out, offset);
  }
}
