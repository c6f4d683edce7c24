import { defineComponent } from '../../../framework/registry/types.ts';
import { GridSequenceDataset } from './grid-sequence-dataset.ts';
import { GLYPH_H, GLYPH_W, glyphInk } from './digit-font.ts';

export interface MovingDigitsParams {
  frames: number;
  scale: number;
}

/** The 8 compass directions, unit steps (dx, dy), image y down. */
export const DIRECTIONS_8: readonly (readonly [number, number])[] = [
  [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1],
];
export const SPEEDS = [2, 4] as const;
/** Start positions: a 4×4 lattice of top-left corners. */
const STARTS = 4;

/**
 * Moving digits in the spirit of Stochastic Moving MNIST (Denton & Fergus 2018), procedural: one
 * glyph of the built-in font, scaled ×`scale`, on a 64×64 canvas, moving in one of 8 directions
 * at one of 2 speeds from one of 16 starting positions and bouncing off the walls.
 * static = [digit]; dynamic = [direction, speed, start].
 */
export class MovingDigits extends GridSequenceDataset {
  readonly elementSpec: Record<string, number[]>;

  constructor(readonly p: MovingDigitsParams) {
    super(['digit', 'direction', 'speed', 'start'], [10, 8, 2, STARTS * STARTS], [0], 'v1');
    this.elementSpec = { x: this.sequenceShape, static: [1], dynamic: [3], factors: [4], index: [] };
  }

  get sequenceShape(): number[] {
    return [this.p.frames, 64, 64, 1];
  }

  /** Top-left corner of the glyph in each frame (exact, integer), bouncing inside the canvas. */
  trajectory(direction: number, speed: number, start: number): [number, number][] {
    const w = GLYPH_W * this.p.scale;
    const h = GLYPH_H * this.p.scale;
    const maxX = 64 - w;
    const maxY = 64 - h;
    let x = Math.round(((start % STARTS) * maxX) / (STARTS - 1));
    let y = Math.round((Math.floor(start / STARTS) * maxY) / (STARTS - 1));
    let [dx, dy] = DIRECTIONS_8[direction];
    const v = SPEEDS[speed];
    const out: [number, number][] = [];
    for (let t = 0; t < this.p.frames; t++) {
      out.push([x, y]);
      let nx = x + dx * v;
      let ny = y + dy * v;
      if (nx < 0 || nx > maxX) { dx = -dx; nx = nx < 0 ? -nx : 2 * maxX - nx; }
      if (ny < 0 || ny > maxY) { dy = -dy; ny = ny < 0 ? -ny : 2 * maxY - ny; }
      x = nx;
      y = ny;
    }
    return out;
  }

  renderSequence(f: Int32Array): Float32Array {
    const s = this.p.scale;
    const out = new Float32Array(this.p.frames * 64 * 64);
    this.trajectory(f[1], f[2], f[3]).forEach(([x0, y0], t) => {
      const base = t * 64 * 64;
      for (let r = 0; r < GLYPH_H * s; r++) for (let c = 0; c < GLYPH_W * s; c++) {
        if (glyphInk(f[0], Math.floor(c / s), Math.floor(r / s))) out[base + (y0 + r) * 64 + x0 + c] = 1;
      }
    });
    return out;
  }
}

export const movingDigitsSpec = defineComponent<MovingDigitsParams, MovingDigits>({
  target: 'untangle.datasets.MovingDigits',
  kind: 'dataset',
  description: 'Procedural moving digits (bitmap font): static glyph, dynamic bouncing trajectory, 64×64×1',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      frames: { type: 'integer', minimum: 1, maximum: 64, default: 8 },
      scale: { type: 'integer', minimum: 1, maximum: 8, default: 4, description: 'glyph scale (5×7 font → 20×28 px at 4)' },
    },
  },
  create: (p) => new MovingDigits(p),
});
