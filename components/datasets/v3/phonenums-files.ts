import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../framework/contracts/index.ts';
import { decodePng } from '../../../framework/util/png-decode.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { fileFingerprint } from '../fingerprint.ts';
import { CELL_H, CELL_W, OOD_PALETTE, PALETTE } from './phonenums-render.ts';

export interface PhoneNumsFilesParams {
  root: string;
  /** A folder under root: train, val, test, or `<k>_shot` for the OOD splits. */
  split: string;
  n_fragments: number;
  palette: 'in' | 'ood';
}

/**
 * The upstream's PhoneNums files: `<root>/<split>/<digits>_<colour>.png`, 320×48 RGB pages. The
 * same batches as the procedural `PhoneNums`: `x` `[n, 48, 32, 3]` in [−1, 1], `content` the
 * digits of the first n cells, `style` the colour's index in the palette.
 */
export class PhoneNumsFiles implements Dataset {
  readonly files: { path: string; digits: number[]; colour: number }[];
  readonly elementSpec: Record<string, number[]>;

  constructor(readonly p: PhoneNumsFilesParams) {
    const dir = join(p.root, p.split);
    const names = (() => {
      try { return readdirSync(dir).filter((f) => f.endsWith('.png')).sort(); } catch { throw new UntangleError('phonenums.files', `no PhoneNums folder ${dir}`, { dir }); }
    })();
    const palette = (p.palette === 'in' ? PALETTE : OOD_PALETTE).map((c) => c.name);
    this.files = names.map((f) => {
      const m = /^(\d{10})_([a-z]+)\.png$/.exec(f);
      const colour = m ? palette.indexOf(m[2]) : -1;
      if (!m || colour < 0) throw new UntangleError('phonenums.name', `${join(dir, f)}: expected <10 digits>_<colour>.png with a colour of the ${p.palette} palette (${palette.join(', ')})`, { file: f });
      return { path: join(dir, f), digits: [...m[1]].map(Number), colour };
    });
    if (this.files.length === 0) throw new UntangleError('phonenums.files', `no PNG pages in ${dir}`, { dir });
    this.elementSpec = { x: [p.n_fragments, CELL_H, CELL_W, 3], content: [p.n_fragments], style: [] };
  }

  get size(): number {
    return this.files.length;
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = this.p.n_fragments, per = n * CELL_H * CELL_W * 3;
    const x = new Float32Array(indices.length * per);
    const content = new Int32Array(indices.length * n);
    const style = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const f = this.files[indices[b]];
      const png = decodePng(readFileSync(f.path), f.path);
      if (png.channels !== 3 || png.height !== CELL_H || png.width < n * CELL_W) {
        throw new UntangleError('phonenums.page', `${f.path}: expected an RGB page ${CELL_H} px high and ≥ ${n * CELL_W} px wide, got ${png.width}×${png.height}×${png.channels}`, { file: f.path });
      }
      // Page [48, 320, 3] → cells [n, 48, 32, 3].
      for (let k = 0; k < n; k++) for (let y = 0; y < CELL_H; y++) for (let c = 0; c < CELL_W * 3; c++) {
        x[b * per + (k * CELL_H + y) * CELL_W * 3 + c] = png.pixels[(y * png.width + k * CELL_W) * 3 + c] / 127.5 - 1;
      }
      content.set(f.digits.slice(0, n), b * n);
      style[b] = f.colour;
    }
    return { x: tf.tensor5d(x, [indices.length, n, CELL_H, CELL_W, 3]), content: tf.tensor2d(content, [indices.length, n], 'int32'), style: tf.tensor1d(style, 'int32') };
  }

  fingerprint(): DatasetFingerprint {
    return fileFingerprint('phonenums-files', this.files.map((f) => f.path));
  }
}

export const phoneNumsFilesSpec = defineComponent<PhoneNumsFilesParams, PhoneNumsFiles>({
  target: 'untangle.datasets.PhoneNumsFiles',
  kind: 'dataset',
  description: "the upstream's PhoneNums files: <root>/<split>/<digits>_<colour>.png pages → fragments in [−1, 1]",
  schema: {
    type: 'object', additionalProperties: false, required: ['root'],
    properties: {
      root: { type: 'string', minLength: 1 },
      split: { type: 'string', default: 'train', description: 'train, val, test or <k>_shot' },
      n_fragments: { type: 'integer', minimum: 1, maximum: 10, default: 10 },
      palette: { enum: ['in', 'ood'], default: 'in' },
    },
  },
  create: (p) => new PhoneNumsFiles(p),
});
