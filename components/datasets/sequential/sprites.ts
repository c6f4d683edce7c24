import { defineComponent } from '../../../framework/registry/types.ts';
import { GridSequenceDataset } from './grid-sequence-dataset.ts';
import { Frame } from './raster.ts';
import { drawSprite } from './sprites-render.ts';

export interface SpritesParams {
  frames: number;
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

  get sequenceShape(): number[] {
    return [this.p.frames, 64, 64, 3];
  }

  renderSequence(f: Int32Array): Float32Array {
    const per = 64 * 64 * 3;
    const out = new Float32Array(this.p.frames * per);
    const look = { skin: f[0], top: f[1], pants: f[2], hair: f[3], action: f[4], direction: f[5] };
    for (let t = 0; t < this.p.frames; t++) drawSprite(new Frame(64, 64, 3, out.subarray(t * per, (t + 1) * per)), look, t, this.p.frames);
    return out;
  }
}

export const spritesSpec = defineComponent<SpritesParams, Sprites>({
  target: 'untangle.datasets.Sprites',
  kind: 'dataset',
  description: 'Procedural Sprites video (Li & Mandt 2018 factors): 4 static colours × action × direction, 64×64×3 frames',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { frames: { type: 'integer', minimum: 1, maximum: 64, default: 8 } },
  },
  create: (p) => new Sprites(p),
});
