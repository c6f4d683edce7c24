import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../framework/contracts/index.ts';
import { sha256 } from '../../../framework/util/hash.ts';
import { Frame } from './raster.ts';
import { ACTIONS, DIRECTIONS, drawSprite } from './sprites-render.ts';

export interface V3SpritesParams {
  /** Frames of the animation the middle frame is taken from (8 as in the Sprites data). */
  frames: number;
}

const LOOKS = 6 ** 4;
const FRAGMENTS = ACTIONS.length * DIRECTIONS.length;

/**
 * `untangle.datasets.V3Sprites`: V3's Sprites fragments. One example per character (6⁴ looks of
 * the procedural Sprites); its 9 fragments are the middle frame of each (action, direction), in
 * the order action × 3 + direction. content `[B, 9]` = action × 3 + direction, style `[B]` = the
 * character; x `[B, 9, 64, 64, 3]` in [0, 1].
 */
export class V3Sprites implements Dataset {
  readonly size = LOOKS;
  readonly elementSpec = { x: [FRAGMENTS, 64, 64, 3], content: [FRAGMENTS], style: [] };
  constructor(readonly p: V3SpritesParams) {}

  batch(indices: ArrayLike<number>): Batch {
    const b = indices.length, per = 64 * 64 * 3;
    const x = new Float32Array(b * FRAGMENTS * per), content = new Int32Array(b * FRAGMENTS), style = new Int32Array(b);
    const t = Math.floor(this.p.frames / 2);
    for (let r = 0; r < b; r++) {
      const c = indices[r];
      style[r] = c;
      const look = { skin: Math.floor(c / 216) % 6, top: Math.floor(c / 36) % 6, pants: Math.floor(c / 6) % 6, hair: c % 6 };
      for (let k = 0; k < FRAGMENTS; k++) {
        content[r * FRAGMENTS + k] = k;
        const o = (r * FRAGMENTS + k) * per;
        drawSprite(new Frame(64, 64, 3, x.subarray(o, o + per)), { ...look, action: Math.floor(k / 3), direction: k % 3 }, t, this.p.frames);
      }
    }
    return { x: tf.tensor5d(x, [b, FRAGMENTS, 64, 64, 3]), content: tf.tensor2d(content, [b, FRAGMENTS], 'int32'), style: tf.tensor1d(style, 'int32') };
  }

  fingerprint(): DatasetFingerprint {
    return { name: 'v3sprites', digest: sha256(JSON.stringify({ v: 1, frames: this.p.frames })), source: 'procedural:v3sprites-v1' };
  }
}

export const v3SpritesSpec = defineComponent<V3SpritesParams, V3Sprites>({
  target: 'untangle.datasets.V3Sprites',
  kind: 'dataset',
  description: 'V3 Sprites fragments: 9 middle frames (action × direction = content) of one character (style)',
  schema: { type: 'object', additionalProperties: false, properties: { frames: { type: 'integer', minimum: 1, default: 8 } } },
  create: (p) => new V3Sprites(p),
});
