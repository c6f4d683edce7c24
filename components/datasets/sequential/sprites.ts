import { defineComponent } from '../../../framework/registry/types.ts';
import { GridSequenceDataset } from './grid-sequence-dataset.ts';
import { Frame } from './raster.ts';
import { drawSprite } from './sprites-render.ts';

export interface SpritesParams {
  frames: number;
  /**
   * Frame side: 64 (default, the papers') or a divisor of it (32: DiffSDA's small preset), box-
   * averaged from the 64-px render. Optional with no schema default, so configs that do not
   * name it resolve as before.
   */
  size?: number;
}

/**
 * Procedural Sprites: 6⁴ looks (skin, top, pants, hair colour) × 3 actions (walk, spellcast,
 * slash) × 3 directions (front, left, right) = 11 664 sequences of `frames` 64×64 RGB frames
 * (8 as in Li & Mandt 2018). Rendered on demand; the labels are exact by construction.
 * static = [skin, top, pants, hair]; dynamic = [action, direction].
 */
export class Sprites extends GridSequenceDataset {
  readonly elementSpec: Record<string, number[]>;

  constructor(readonly p: SpritesParams) {
    super(['skin', 'top', 'pants', 'hair', 'action', 'direction'], [6, 6, 6, 6, 3, 3], [0, 1, 2, 3], 'v1');
    this.elementSpec = { x: this.sequenceShape, static: [4], dynamic: [2], factors: [6], index: [] };
  }

  /** Frame side in px (`size` is the data set's length, from the base class). */
  get side(): number {
    return this.p.size ?? 64;
  }

  get sequenceShape(): number[] {
    return [this.p.frames, this.side, this.side, 3];
  }

  renderSequence(f: Int32Array): Float32Array {
    const per = 64 * 64 * 3;
    const full = new Float32Array(this.p.frames * per);
    const look = { skin: f[0], top: f[1], pants: f[2], hair: f[3], action: f[4], direction: f[5] };
    for (let t = 0; t < this.p.frames; t++) drawSprite(new Frame(64, 64, 3, full.subarray(t * per, (t + 1) * per)), look, t, this.p.frames);
    return this.side === 64 ? full : boxDownsample(full, this.p.frames, 64, 64 / this.side);
  }
}

/** Mean over k×k pixel blocks of `frames` square RGB frames of side `side`. */
export function boxDownsample(src: Float32Array, frames: number, side: number, k: number): Float32Array {
  const out = side / k;
  const dst = new Float32Array(frames * out * out * 3);
  const w = 1 / (k * k);
  for (let t = 0; t < frames; t++) {
    const s0 = t * side * side * 3, d0 = t * out * out * 3;
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) for (let c = 0; c < 3; c++) {
      dst[d0 + (Math.floor(y / k) * out + Math.floor(x / k)) * 3 + c] += w * src[s0 + (y * side + x) * 3 + c];
    }
  }
  return dst;
}

export const spritesSpec = defineComponent<SpritesParams, Sprites>({
  target: 'untangle.datasets.Sprites',
  kind: 'dataset',
  description: 'Procedural Sprites video (Li & Mandt 2018 factors): 4 static colours × action × direction, 64×64×3 frames (or 32, 16)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      frames: { type: 'integer', minimum: 1, maximum: 64, default: 8 },
      size: { type: 'integer', enum: [64, 32, 16], description: 'frame side in px (absent: 64)' },
    },
  },
  create: (p) => new Sprites(p),
});
