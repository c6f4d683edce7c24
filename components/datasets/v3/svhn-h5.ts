import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { fileFingerprint } from '../fingerprint.ts';
import { getDataset, openH5File, readH5Numbers, type H5Dataset } from '../loaders/h5-images.ts';
import { readH5Strings } from '../loaders/h5-strings.ts';
import { fragmentWindows, windowFragment, type FragmentWindow, type WindowMode } from './fragment-windows.ts';

export interface SvhnH5Params {
  /** The upstream's `<split>.hdf5` (dataset/svhn/svhn_to_hdf5.py). */
  path: string;
  /** Digit crops per example (the upstream's SVHN config: 2). */
  n_fragments: number;
  windows: WindowMode;
}

/**
 * V3's SVHN in the upstream's HDF5 layout: `data` uint8 `[N, H, W, 3]` (the crops, PIL arrays),
 * `content_label` `[N]` the digit, `style_label` `[N]` the name of the house-number image the crop
 * came from. Crops are grouped by origin in order of first appearance (the upstream's dict); one
 * example is n crops of one origin (see `fragment-windows.ts`; origins with fewer crops are
 * skipped). Batches: `x` `[B, n, H, W, 3]` in [−1, 1] (ToTensor + Normalize(0.5, 0.5)), `content`
 * `[B, n]`, `style` `[B]` the origin's index (the upstream has no style classes for SVHN: each
 * origin is its own style).
 */
export class SvhnH5 implements Dataset {
  readonly elementSpec: Record<string, number[]>;
  /** Origin names, by style index. */
  readonly origins: string[];
  /** Origins with fewer than n crops, left out. */
  readonly skippedOrigins: number;
  private readonly members: number[][];
  private readonly windows: FragmentWindow[];
  private readonly digits: Float64Array;
  private readonly hwc: [number, number, number];
  private readonly data: H5Dataset;

  constructor(readonly p: SvhnH5Params) {
    const file = openH5File(p.path);
    this.data = getDataset(file, 'data', p.path);
    const shape = this.data.shape ?? [];
    const meta = this.data.metadata;
    if (shape.length !== 4 || shape[3] !== 3 || meta.type !== 0 || meta.size !== 1 || meta.signed) {
      throw new UntangleError('svhn.data', `'data' in ${p.path} must be uint8 [N, H, W, 3], got ${this.data.dtype} [${shape.join(', ')}]`, { path: p.path, shape });
    }
    this.hwc = [shape[1], shape[2], 3];
    this.digits = readH5Numbers(file, p.path, 'content_label').values;
    const names = readH5Strings(file, p.path, 'style_label');
    if (this.digits.length !== shape[0] || names.length !== shape[0]) {
      throw new UntangleError('svhn.labels', `${p.path}: ${shape[0]} crops but ${this.digits.length} content and ${names.length} style labels`, { path: p.path });
    }
    const byName = new Map<string, number[]>();
    names.forEach((name, i) => { const m = byName.get(name); if (m) m.push(i); else byName.set(name, [i]); });
    this.origins = [...byName.keys()];
    this.members = [...byName.values()];
    const w = fragmentWindows(this.members.map((m) => m.length), p.n_fragments, p.windows, 'skip');
    this.windows = w.windows;
    this.skippedOrigins = w.skipped;
    if (this.windows.length === 0) throw new UntangleError('svhn.empty', `${p.path}: no origin image has ${p.n_fragments} crops`, { path: p.path, origins: this.origins.length });
    this.elementSpec = { x: [p.n_fragments, ...this.hwc], content: [p.n_fragments], style: [] };
  }

  get size(): number {
    return this.windows.length;
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = this.p.n_fragments, per = this.hwc[0] * this.hwc[1] * 3;
    const x = new Float32Array(indices.length * n * per), content = new Int32Array(indices.length * n), style = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const w = this.windows[indices[b]];
      const members = this.members[w.group];
      style[b] = w.group;
      for (let j = 0; j < n; j++) {
        const crop = members[windowFragment(w, members.length, j)];
        const px = this.data.slice([[crop, crop + 1]]) as Uint8Array;
        const o = (b * n + j) * per;
        for (let k = 0; k < per; k++) x[o + k] = px[k] / 127.5 - 1;
        content[b * n + j] = this.digits[crop];
      }
    }
    return { x: tf.tensor5d(x, [indices.length, n, ...this.hwc]), content: tf.tensor2d(content, [indices.length, n], 'int32'), style: tf.tensor1d(style, 'int32') };
  }

  fingerprint(): DatasetFingerprint {
    return fileFingerprint('svhn-h5', [this.p.path]);
  }
}

export const svhnH5Spec = defineComponent<SvhnH5Params, SvhnH5>({
  target: 'untangle.datasets.SvhnH5',
  kind: 'dataset',
  description: "V3's SVHN in the upstream's HDF5 layout (data, content_label, style_label): digit crops grouped by origin image",
  schema: {
    type: 'object', additionalProperties: false, required: ['path'],
    properties: {
      path: { type: 'string', description: 'the upstream <split>.hdf5' },
      n_fragments: { type: 'integer', minimum: 1, default: 2 },
      windows: { enum: ['first', 'all'], default: 'first', description: 'first n crops of each origin, or every window of n consecutive crops' },
    },
  },
  create: (p) => new SvhnH5(p),
});
