import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../../framework/contracts/index.ts';
import { readNpy } from '../../../../framework/io/npy.ts';
import { UntangleError } from '../../../../framework/util/errors.ts';
import { fileFingerprint } from '../../fingerprint.ts';

export interface InsNotesFilesParams {
  /** A folder directly holding `ins<NN>_<MM>.npy` (the upstream's train/, val/, test/ or <k>_shot/). */
  dir: string;
  n_fragments: number;
  /** Examples per file: starting notes spread evenly over the file's notes (see the class). */
  starts_per_file: number;
  /** Added to the instrument number NN (the OOD files reuse ins00–03: upstream bug 9). */
  label_offset: number;
}

/** Frames per fragment and the hop between fragments: one note is 1.056 s = 33 STFT hops. */
const FRAG_LEN = 32, FRAG_HOP = 33, BINS = 512;

interface NoteFile { path: string; instrument: number }

/**
 * The upstream's InsNotes files: `ins<NN>_<MM>.npy`, float `[513, T]` log-magnitude STFTs (NN the
 * instrument, MM the take). As the upstream loader: the top bin is dropped, fragment k is frames
 * [33k, 33k + 32), its content is k mod 12, and a sample is n consecutive fragments from a start
 * note, wrapping past the last note. The upstream draws the start at random on every access;
 * here each file gives `starts_per_file` examples with starts ⌊j·notes/S⌋ (all notes when S =
 * notes), so the data set is fixed. No frequency masking (the upstream masked at test time too:
 * bug 9). Batches as the procedural `InsNotes`: `x` `[B, n, 32, 512, 1]` (time × frequency),
 * `content` `[B, n]`, `style` `[B]` = NN + label_offset.
 */
export class InsNotesFiles implements Dataset {
  readonly files: NoteFile[];
  readonly elementSpec: Record<string, number[]>;
  private cached: { index: number; data: Float32Array; frames: number } | null = null;

  constructor(readonly p: InsNotesFilesParams) {
    let names: string[];
    try { names = readdirSync(p.dir).filter((f) => f.endsWith('.npy')).sort(); } catch { throw new UntangleError('insnotes.dir', `no InsNotes folder ${p.dir}`, { dir: p.dir }); }
    this.files = names.map((f) => {
      const m = /^ins(\d+)_(\d+)\.npy$/.exec(f);
      if (!m) throw new UntangleError('insnotes.name', `${join(p.dir, f)}: expected ins<NN>_<MM>.npy`, { file: f });
      return { path: join(p.dir, f), instrument: Number(m[1]) };
    });
    if (this.files.length === 0) throw new UntangleError('insnotes.dir', `no .npy files in ${p.dir}`, { dir: p.dir });
    this.elementSpec = { x: [p.n_fragments, FRAG_LEN, BINS, 1], content: [p.n_fragments], style: [] };
  }

  get size(): number {
    return this.files.length * this.p.starts_per_file;
  }

  /** File i as float32 `[513, T]` (one file kept: batches come from few files at a time). */
  private load(i: number): { data: Float32Array; frames: number } {
    if (this.cached?.index === i) return this.cached;
    const path = this.files[i].path;
    const a = readNpy(readFileSync(path));
    if (a.shape.length !== 2 || a.shape[0] !== BINS + 1 || a.shape[1] < FRAG_LEN) {
      throw new UntangleError('insnotes.shape', `${path}: expected [${BINS + 1}, T ≥ ${FRAG_LEN}], got [${a.shape.join(', ')}]`, { path, shape: a.shape });
    }
    if (a.dtype !== 'float32' && a.dtype !== 'float64') throw new UntangleError('insnotes.dtype', `${path}: expected float32 or float64, got ${a.dtype}`, { path });
    this.cached = { index: i, data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as Float64Array), frames: a.shape[1] };
    return this.cached;
  }

  batch(indices: ArrayLike<number>): Batch {
    const b = indices.length, n = this.p.n_fragments, per = FRAG_LEN * BINS;
    const x = new Float32Array(b * n * per), content = new Int32Array(b * n), style = new Int32Array(b);
    for (let r = 0; r < b; r++) {
      const fileIndex = Math.floor(indices[r] / this.p.starts_per_file), j = indices[r] % this.p.starts_per_file;
      const { data, frames } = this.load(fileIndex);
      const notes = Math.floor((frames - FRAG_LEN) / FRAG_HOP) + 1;
      const start = Math.floor((j * notes) / this.p.starts_per_file);
      style[r] = this.files[fileIndex].instrument + this.p.label_offset;
      for (let q = 0; q < n; q++) {
        const k = (start + q) % notes;
        content[r * n + q] = k % 12;
        const o = (r * n + q) * per;
        // [513, T] frequency-major → [32 frames, 512 bins].
        for (let f = 0; f < BINS; f++) for (let t = 0; t < FRAG_LEN; t++) x[o + t * BINS + f] = data[f * frames + FRAG_HOP * k + t];
      }
    }
    return { x: tf.tensor5d(x, [b, n, FRAG_LEN, BINS, 1]), content: tf.tensor2d(content, [b, n], 'int32'), style: tf.tensor1d(style, 'int32') };
  }

  fingerprint(): DatasetFingerprint {
    return fileFingerprint('insnotes-files', this.files.map((f) => f.path));
  }
}

export const insNotesFilesSpec = defineComponent<InsNotesFilesParams, InsNotesFiles>({
  target: 'untangle.datasets.InsNotesFiles',
  kind: 'dataset',
  description: "the upstream's InsNotes files: <dir>/ins<NN>_<MM>.npy [513, T] log-|STFT| → note fragments (content = note, style = instrument)",
  schema: {
    type: 'object', additionalProperties: false, required: ['dir'],
    properties: {
      dir: { type: 'string' },
      n_fragments: { type: 'integer', minimum: 1, default: 12 },
      starts_per_file: { type: 'integer', minimum: 1, default: 12, description: 'examples per file, starting notes spread evenly (the upstream draws one at random per access)' },
      label_offset: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p) => new InsNotesFiles(p),
});
