import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';
import { fileFingerprint } from '../fingerprint.ts';
import { openH5File, type H5Dataset } from '../loaders/h5-images.ts';
import h5wasm from 'h5wasm/node';
import { readH5StringAttribute } from '../loaders/h5-strings.ts';
import { fragmentWindows, windowFragment, type FragmentWindow, type WindowMode } from './fragment-windows.ts';

/** The upstream's 39 phoneme classes, in its label order (dataloader/librispeech_h5_dataloader.py). */
export const LIBRISPEECH_PHONEMES = [
  'eh', 'z', 's', 'uw', 'aw', 'oy', 'dx', 'dh', 'uh', 'aa', 'd', 'p', 'n', 'ao', 'ey', 'hh', 'y', 'f', 'r', 'g',
  'v', 'ah', 'er', 'ow', 'sh', 'b', 'l', 'k', 'm', 'ch', 'ng', 't', 'w', 'ae', 'iy', 'th', 'ay', 'ih', 'jh',
];

export interface LibriSpeechH5Params {
  /** The upstream's `<split>.hdf5` (dataset/librispeech/huggingface_to_hdf5.py). */
  path: string;
  /** Phonemes per example (the upstream's LibriSpeech config: 8). */
  n_fragments: number;
  windows: WindowMode;
}

interface Utterance { ds: H5Dataset; phonemes: number[]; speaker: number; mels: number; frames: number }

/**
 * V3's LibriSpeech in the upstream's HDF5 layout: one float32 dataset per utterance, named
 * `<speaker>-<chapter>-<utterance>`, shape `[phonemes, 80 mels, 64 frames]` (each phoneme's dB
 * mel spectrogram stretched to 64 frames), its labels in the attribute `phonemes`. One example is
 * n consecutive phonemes of one utterance (`fragment-windows.ts`; a shorter utterance is cycled,
 * as the upstream does). Batches: `x` `[B, n, 64 frames, 80 mels, 1]` (time × frequency, as
 * InsNotes), `content` `[B, n]` the phoneme's index in `LIBRISPEECH_PHONEMES`, `style` `[B]` the
 * speaker's index among the file's speakers in increasing numeric order.
 */
export class LibriSpeechH5 implements Dataset {
  readonly elementSpec: Record<string, number[]>;
  /** Speaker ids, by style index. */
  readonly speakers: string[];
  private readonly utterances: Utterance[];
  private readonly windows: FragmentWindow[];

  constructor(readonly p: LibriSpeechH5Params) {
    const file = openH5File(p.path);
    // h5py lists keys in name order; sort anyway so the example order never depends on the writer.
    const names = file.keys().sort();
    const speakerOf = (name: string) => name.split('-')[0];
    this.speakers = [...new Set(names.map(speakerOf))].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
    this.utterances = names.map((name) => {
      const ds = file.get(name);
      if (!(ds instanceof h5wasm.Dataset)) throw new UntangleError('librispeech.entry', `'${name}' in ${p.path} is not a dataset (one dataset per utterance expected)`, { path: p.path, name });
      const shape = ds.shape ?? [];
      if (shape.length !== 3) throw new UntangleError('librispeech.shape', `'${name}' in ${p.path} has shape [${shape.join(', ')}]; expected [phonemes, mels, frames]`, { path: p.path, name, shape });
      const labels = readH5StringAttribute(ds, 'phonemes', p.path);
      if (labels.length !== shape[0]) throw new UntangleError('librispeech.labels', `'${name}' in ${p.path}: ${shape[0]} spectrograms but ${labels.length} phoneme labels`, { path: p.path, name });
      const phonemes = labels.map((l) => {
        const k = LIBRISPEECH_PHONEMES.indexOf(l);
        if (k < 0) throw new UntangleError('librispeech.phoneme', `'${name}' in ${p.path}: unknown phoneme '${l}'`, { path: p.path, name, known: LIBRISPEECH_PHONEMES.join(' ') });
        return k;
      });
      return { ds, phonemes, speaker: this.speakers.indexOf(speakerOf(name)), mels: shape[1], frames: shape[2] };
    });
    if (this.utterances.length === 0) throw new UntangleError('librispeech.empty', `${p.path} holds no utterances`, { path: p.path });
    const { mels, frames } = this.utterances[0];
    const odd = this.utterances.find((u) => u.mels !== mels || u.frames !== frames);
    if (odd) throw new UntangleError('librispeech.shape', `${p.path}: utterances have different spectrogram sizes (${mels}×${frames} and ${odd.mels}×${odd.frames})`, { path: p.path });
    this.windows = fragmentWindows(this.utterances.map((u) => u.phonemes.length), p.n_fragments, p.windows, 'cycle').windows;
    this.elementSpec = { x: [p.n_fragments, frames, mels, 1], content: [p.n_fragments], style: [] };
  }

  get size(): number {
    return this.windows.length;
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = this.p.n_fragments, [, frames, mels] = this.elementSpec.x, per = frames * mels;
    const x = new Float32Array(indices.length * n * per), content = new Int32Array(indices.length * n), style = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const w = this.windows[indices[b]];
      const u = this.utterances[w.group];
      style[b] = u.speaker;
      for (let j = 0; j < n; j++) {
        const ph = windowFragment(w, u.phonemes.length, j);
        const spec = u.ds.slice([[ph, ph + 1]]) as Float32Array; // [mels, frames]
        const o = (b * n + j) * per;
        for (let t = 0; t < frames; t++) for (let f = 0; f < mels; f++) x[o + t * mels + f] = spec[f * frames + t];
        content[b * n + j] = u.phonemes[ph];
      }
    }
    return { x: tf.tensor5d(x, [indices.length, n, frames, mels, 1]), content: tf.tensor2d(content, [indices.length, n], 'int32'), style: tf.tensor1d(style, 'int32') };
  }

  fingerprint(): DatasetFingerprint {
    return fileFingerprint('librispeech-h5', [this.p.path]);
  }
}

export const libriSpeechH5Spec = defineComponent<LibriSpeechH5Params, LibriSpeechH5>({
  target: 'untangle.datasets.LibriSpeechH5',
  kind: 'dataset',
  description: "V3's LibriSpeech phoneme fragments in the upstream's HDF5 layout (one dataset per utterance, labels in its 'phonemes' attribute)",
  schema: {
    type: 'object', additionalProperties: false, required: ['path'],
    properties: {
      path: { type: 'string', description: 'the upstream <split>.hdf5' },
      n_fragments: { type: 'integer', minimum: 1, default: 8 },
      windows: { enum: ['first', 'all'], default: 'first', description: 'first n phonemes of each utterance (the upstream in effect), or every window of n' },
    },
  },
  create: (p) => new LibriSpeechH5(p),
});
