import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../framework/contracts/index.ts';
import { sha256 } from '../../../framework/util/hash.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { CELL_H, CELL_W, OOD_PALETTE, PALETTE, pageSpec, renderPage } from './phonenums-render.ts';

export interface PhoneNumsParams {
  /** Pages in the split (for `<k>_shot`: k pages per colour, rounded up to whole palettes). */
  size: number;
  n_fragments: number;
  split: 'train' | 'val' | 'test' | 'shot';
  /** `shot` split: pages per colour. */
  shots: number;
  palette: 'in' | 'ood';
  seed: number;
}

/** Index ranges of the splits in page-number space, so no two splits share a page (permutation). */
const SPLIT_OFFSET: Record<PhoneNumsParams['split'], number> = { train: 0, val: 1_000_000, test: 2_000_000, shot: 3_000_000 };
/** 2: the upstream's per-cell blur, background and per-cell ink jitter, σ < 1 noise, int() palette. */
const VERSION = 2;

/**
 * V3's PhoneNums, procedural: pages of the 10 digits in a shuffled order (a permutation no other
 * page has), each digit in a 32×48 cell, one ink colour per page. A sample is the page's first
 * `n_fragments` cells: `x` `[n, 48, 32, 3]` in [−1, 1] (channels last), `content` `[n]` the digits,
 * `style` the colour index. The OOD palette has 8 colours no training page uses.
 */
export class PhoneNums implements Dataset {
  readonly size: number;
  readonly elementSpec: Record<string, number[]>;

  constructor(readonly p: PhoneNumsParams) {
    if (p.n_fragments < 1 || p.n_fragments > 10) throw new UntangleError('phonenums.fragments', `n_fragments must be 1…10, got ${p.n_fragments}`, { n_fragments: p.n_fragments });
    this.size = p.split === 'shot' ? p.shots * this.palette.length : p.size;
    if (this.size > 1_000_000) throw new UntangleError('phonenums.size', `at most 1,000,000 pages per split, got ${this.size}`, { size: this.size });
    this.elementSpec = { x: [p.n_fragments, CELL_H, CELL_W, 3], content: [p.n_fragments], style: [] };
  }

  private get palette() {
    return this.p.palette === 'in' ? PALETTE : OOD_PALETTE;
  }

  /** Page i: uint8 pixels and labels. The `shot` split cycles through the colours, k pages each. */
  page(i: number): { pixels: Uint8Array; digits: number[]; colour: number } {
    const id = SPLIT_OFFSET[this.p.split] + i;
    // The shot pages are jittered like every other page (they were the bare palette colour before).
    const spec = pageSpec(this.p.seed + (this.p.palette === 'ood' ? 7777 : 0), id, this.palette, this.p.split === 'shot' ? i % this.palette.length : undefined);
    return { pixels: renderPage(spec, this.p.n_fragments, this.p.seed, id), digits: spec.digits.slice(0, this.p.n_fragments), colour: spec.colour };
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = this.p.n_fragments, per = n * CELL_H * CELL_W * 3;
    const x = new Float32Array(indices.length * per);
    const content = new Int32Array(indices.length * n);
    const style = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const pg = this.page(indices[b]);
      for (let k = 0; k < per; k++) x[b * per + k] = pg.pixels[k] / 127.5 - 1;
      content.set(pg.digits, b * n);
      style[b] = pg.colour;
    }
    return {
      x: tf.tensor5d(x, [indices.length, n, CELL_H, CELL_W, 3]),
      content: tf.tensor2d(content, [indices.length, n], 'int32'),
      style: tf.tensor1d(style, 'int32'),
    };
  }

  fingerprint(): DatasetFingerprint {
    const manifest = JSON.stringify({ version: VERSION, ...this.p, size: this.size, probe: sha256(JSON.stringify(Array.from(this.page(0).pixels.slice(0, 4096)))) });
    return { name: 'phonenums', digest: sha256(manifest), source: `procedural:phonenums-${VERSION}` };
  }
}

export const phoneNumsSpec = defineComponent<PhoneNumsParams, PhoneNums>({
  target: 'untangle.datasets.PhoneNums',
  kind: 'dataset',
  description: "V3's PhoneNums, procedural: 10 shuffled digits per page in 32×48 cells, 8 ink colours (or the OOD palette), vertical blur, noise",
  schema: {
    type: 'object', additionalProperties: false,
    properties: {
      size: { type: 'integer', minimum: 1, default: 2000 },
      n_fragments: { type: 'integer', minimum: 1, maximum: 10, default: 10 },
      split: { enum: ['train', 'val', 'test', 'shot'], default: 'train', description: 'disjoint page ranges; `shot` is the `<k>_shot` split: `shots` pages per colour' },
      shots: { type: 'integer', minimum: 1, default: 1 },
      palette: { enum: ['in', 'ood'], default: 'in', description: 'the 8 training colours, or the 8 unseen ones (zero/few-shot OOD)' },
      seed: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p) => new PhoneNums(p),
});
