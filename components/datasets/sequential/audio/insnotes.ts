import * as tf from '@tensorflow/tfjs-core';
import { defineComponent } from '../../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../../framework/contracts/index.ts';
import { canonicalJson, sha256 } from '../../../../framework/util/hash.ts';
import { Rng, deriveSeed } from '../../../../framework/util/rng.ts';
import { magnitudeSpectrogram, type MelConfig } from './mel.ts';

/** V3's InsNotes front end: 16 kHz, n_fft 1024 (full window), hop 512. */
export const INSNOTES_STFT: MelConfig = { sampleRate: 16000, nFft: 1024, winLength: 1024, hop: 512, nMels: 1, fMin: 0, fMax: 8000 };
/** GM programs of the upstream's 12 training and 4 OOD instruments. */
export const INSNOTES_TRAIN = [64, 19, 21, 41, 56, 59, 68, 71, 72, 75, 22, 52];
export const INSNOTES_OOD = [0, 4, 73, 78];

export interface InsNotesParams {
  /** GM program numbers; each one's timbre is derived from its number. */
  instruments: number[];
  /** Style label of the first instrument: 0 for training, 12 for the OOD set, so labels never collide (upstream bug 9). */
  label_offset: number;
  n_fragments: number;
  notes: number;
  onset_s: number;
  /**
   * Renders per instrument (the upstream's `insNN_MM.npy` files: 100 per instrument). Each take
   * draws its own note velocities, so no two takes, and no two notes, are the same signal.
   */
  takes: number;
  /**
   * MIDI velocity range [lo, hi] of each note (the upstream's pretty_midi script: 80–120), drawn
   * continuously so that no two fragments are bit-identical; the signal's gain is (v/127)².
   */
  velocity: [number, number];
  /** `train` and `test` draw their takes' velocities from disjoint seeds (other renders of the same notes). */
  split: 'train' | 'test';
  /** Fragments between the starts of consecutive examples of a take: 1 = every window; n_fragments = disjoint examples (no fragment in two examples). */
  window_stride: number;
}

/** An instrument's timbre: harmonic amplitudes and an ADSR envelope (seconds; level). */
interface Timbre { harmonics: Float64Array; attack: number; decay: number; sustain: number; release: number }

function timbre(program: number): Timbre {
  const rng = new Rng(1000 + program);
  const tilt = 0.5 + 1.5 * rng.uniform(), oddBias = rng.uniform();
  const harmonics = Float64Array.from({ length: 16 }, (_, i) => {
    const h = i + 1;
    return h ** -tilt * (h % 2 === 1 ? 1 : 1 - 0.9 * oddBias) * (0.6 + 0.4 * rng.uniform());
  });
  return { harmonics, attack: 0.005 + 0.1 * rng.uniform(), decay: 0.05 + 0.4 * rng.uniform(), sustain: 0.2 + 0.7 * rng.uniform(), release: 0.05 + 0.15 * rng.uniform() };
}

/**
 * Additive synthesis of `notes` notes cycling MIDI 60–71, one every `onset_s` seconds. The
 * envelope's release ends inside the note's own `onset_s` slot (upstream bug 9: envelopes cut at
 * 1.0 s while onsets were 1.056 s apart).
 */
export function synthesizeNotes(program: number, notes: number, onsetS: number, sampleRate: number): Float32Array {
  const t = timbre(program);
  const slot = Math.round(onsetS * sampleRate);
  const out = new Float32Array(slot * notes);
  const hold = onsetS - t.release;
  for (let m = 0; m < notes; m++) {
    const f0 = 440 * 2 ** ((60 + (m % 12) - 69) / 12);
    for (let i = 0; i < slot; i++) {
      const s = i / sampleRate;
      let env: number;
      if (s < t.attack) env = s / t.attack;
      else if (s < t.attack + t.decay) env = 1 - ((1 - t.sustain) * (s - t.attack)) / t.decay;
      else env = t.sustain;
      if (s > hold) env *= Math.max(0, 1 - (s - hold) / t.release);
      let v = 0;
      for (let h = 0; h < t.harmonics.length; h++) {
        const f = f0 * (h + 1);
        if (f >= sampleRate / 2) break;
        v += t.harmonics[h] * Math.sin(2 * Math.PI * f * s);
      }
      out[m * slot + i] = 0.2 * env * v;
    }
  }
  return out;
}

/** |STFT| `[frames][512]` (the top bin dropped), frames as rows. */
function insNotesMagnitudes(signal: Float32Array): Float32Array[] {
  return magnitudeSpectrogram(signal, INSNOTES_STFT).map((m) => Float32Array.from(m.subarray(0, 512)));
}

/**
 * Log-magnitude STFT features `[frames][512]` (log(|STFT| + 1e-5), the top bin dropped), frames
 * as rows. The upstream's `insNN_MM.npy` files hold the same features transposed, [513, T].
 */
export function insNotesFeatures(signal: Float32Array): Float32Array[] {
  return insNotesMagnitudes(signal).map((m) => m.map((v) => Math.log(v + 1e-5)));
}

const FRAG_LEN = 32, FRAG_HOP = 33;

/**
 * `untangle.datasets.InsNotes` (V3): one example is `n_fragments` consecutive fragments of one take
 * of one instrument's note sequence; fragment k is frames [33k, 33k + 32) (one note: 1.056 s = 33
 * hops), its content is k mod 12 (the note) and the style the instrument. Batches: x
 * `[B, n, 32, 512, 1]` (time × frequency × 1), content `[B, n]`, style `[B]`. Examples are ordered
 * instrument, take, window.
 *
 * A note's frames lie inside its own 1.056 s slot (33 hops of 512 = 16896 samples, the window
 * ending exactly at the slot's end), so a take with velocity gains g_k has the magnitudes
 * g_k·|STFT| of the unit-velocity render: each instrument is synthesised once and every take is
 * exact without resynthesis.
 */
export class InsNotes implements Dataset {
  readonly elementSpec: Record<string, number[]>;
  private readonly magnitudes = new Map<number, Float32Array[]>();
  private readonly gains = new Map<string, Float32Array>();
  readonly fragmentsPerInstrument: number;
  /** Examples per take. */
  readonly windowsPerTake: number;

  constructor(readonly p: InsNotesParams) {
    const frames = 1 + Math.floor((Math.round(p.onset_s * 16000) * p.notes - 1024) / 512);
    this.fragmentsPerInstrument = Math.floor((frames - FRAG_LEN) / FRAG_HOP) + 1;
    this.windowsPerTake = this.fragmentsPerInstrument < p.n_fragments ? 0 : Math.floor((this.fragmentsPerInstrument - p.n_fragments) / p.window_stride) + 1;
    this.elementSpec = { x: [p.n_fragments, FRAG_LEN, 512, 1], content: [p.n_fragments], style: [] };
  }

  get size(): number { return this.windowsPerTake * this.p.takes * this.p.instruments.length; }

  private magnitudesOf(i: number): Float32Array[] {
    let f = this.magnitudes.get(i);
    if (!f) {
      f = insNotesMagnitudes(synthesizeNotes(this.p.instruments[i], this.p.notes, this.p.onset_s, 16000));
      this.magnitudes.set(i, f);
    }
    return f;
  }

  /** Amplitude gain (v/127)² of every note of one take, v uniform in the velocity range. */
  noteGains(instrument: number, take: number): Float32Array {
    const key = `${instrument}/${take}`;
    let g = this.gains.get(key);
    if (!g) {
      const rng = new Rng(deriveSeed(this.p.instruments[instrument], `insnotes/${this.p.split}/take${take}`));
      const [lo, hi] = this.p.velocity;
      g = Float32Array.from({ length: this.p.notes }, () => ((lo + (hi - lo) * rng.uniform()) / 127) ** 2);
      this.gains.set(key, g);
    }
    return g;
  }

  batch(indices: ArrayLike<number>): Batch {
    const b = indices.length, n = this.p.n_fragments, w = this.windowsPerTake;
    const x = new Float32Array(b * n * FRAG_LEN * 512), content = new Int32Array(b * n), style = new Int32Array(b);
    for (let r = 0; r < b; r++) {
      const ins = Math.floor(indices[r] / (w * this.p.takes)), take = Math.floor(indices[r] / w) % this.p.takes;
      const start = (indices[r] % w) * this.p.window_stride;
      const mag = this.magnitudesOf(ins), gain = this.noteGains(ins, take);
      style[r] = this.p.label_offset + ins;
      for (let j = 0; j < n; j++) {
        const k = start + j;
        content[r * n + j] = k % 12;
        for (let t = 0; t < FRAG_LEN; t++) {
          const row = mag[FRAG_HOP * k + t], o = ((r * n + j) * FRAG_LEN + t) * 512;
          for (let f = 0; f < 512; f++) x[o + f] = Math.log(gain[k] * row[f] + 1e-5);
        }
      }
    }
    return { x: tf.tensor5d(x, [b, n, FRAG_LEN, 512, 1]), content: tf.tensor2d(content, [b, n], 'int32'), style: tf.tensor1d(style, 'int32') };
  }

  fingerprint(): DatasetFingerprint {
    return { name: 'insnotes', digest: sha256(canonicalJson({ v: 2, ...this.p })), source: 'procedural:insnotes-v2' };
  }
}

export const insNotesSpec = defineComponent<InsNotesParams, InsNotes>({
  target: 'untangle.datasets.InsNotes',
  kind: 'dataset',
  description: 'V3 InsNotes: additive-synthesis notes cycling one octave per instrument, log-|STFT| fragments (content = note, style = instrument)',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      instruments: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 127 }, minItems: 1, default: INSNOTES_TRAIN },
      label_offset: { type: 'integer', minimum: 0, default: 0, description: 'style label of the first instrument (12 for the OOD set)' },
      n_fragments: { type: 'integer', minimum: 1, default: 12 },
      notes: { type: 'integer', minimum: 1, default: 120 },
      onset_s: { type: 'number', exclusiveMinimum: 0, default: 1.056 },
      takes: { type: 'integer', minimum: 1, default: 100, description: 'renders per instrument, each with its own note velocities (upstream: 100 files)' },
      velocity: { type: 'array', items: { type: 'number', minimum: 1, maximum: 127 }, minItems: 2, maxItems: 2, default: [80, 120], description: 'MIDI velocity range [lo, hi]; gain (v/127)²' },
      split: { enum: ['train', 'test'], default: 'train', description: 'train and test takes draw disjoint velocities' },
      window_stride: { type: 'integer', minimum: 1, default: 1, description: 'fragments between consecutive examples of a take (n_fragments: disjoint examples)' },
    },
  },
  create: (p) => new InsNotes(p),
});
