import * as tf from '@tensorflow/tfjs-core';
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { defineComponent } from '../../../../framework/registry/types.ts';
import type { Batch, Dataset, DatasetFingerprint } from '../../../../framework/contracts/index.ts';
import { UntangleError } from '../../../../framework/util/errors.ts';
import { sha256 } from '../../../../framework/util/hash.ts';
import { LogMel, SPEECH_MEL } from './mel.ts';
import { decodeWav, parseWavHeader, toMono } from './wav.ts';
import { bandStats, standardize } from './feature-stats.ts';

export type SpeakerLayout = 'librispeech' | 'timit' | 'parent';

export interface WavFolderParams {
  root: string;
  layout: SpeakerLayout;
  segment_frames: number;
  n_mels: number;
  standardize: boolean;
  max_files: number | null;
}

/**
 * The speaker of a file from its path relative to the root: LibriSpeech `<speaker>/<chapter>/<utt>.wav`
 * → first directory; TIMIT `<DR>/<speaker>/<utt>.wav` (optionally under TRAIN/ or TEST/) → the directory
 * holding the file; `parent` → the directory holding the file.
 */
export function speakerFromPath(rel: string, layout: SpeakerLayout): string {
  const parts = rel.split(/[\\/]/);
  if (parts.length < 2) throw new UntangleError('wavfolder.layout', `'${rel}' has no speaker directory`, { rel, layout }, 'put each speaker\'s files in a directory named after the speaker');
  return layout === 'librispeech' ? parts[0] : parts[parts.length - 2];
}

function listWavs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listWavs(p));
    else if (name.toLowerCase().endsWith('.wav')) out.push(p);
  }
  return out;
}

interface Segment { file: number; start: number }

/**
 * A folder of real WAV files (16 kHz expected), cut into fixed segments of `segment_frames` log-mel
 * frames (20 as in FHVAE). x: [B, segment_frames, n_mels]; static: [B, 1] speaker id (sorted
 * speaker names); dynamic: [B, 1] the segment's position in its utterance (no content labels
 * exist); sequence: [B] utterance (file) id.
 */
export class WavFolder implements Dataset {
  readonly files: string[];
  readonly speakers: string[];
  private readonly speakerOfFile: number[];
  private readonly segments: Segment[] = [];
  readonly mel: LogMel;
  readonly elementSpec: Record<string, number[]>;
  private stats: { mean: Float32Array; std: Float32Array } | null = null;
  private cache: { file: number; feats: Float32Array } | null = null;

  constructor(readonly p: WavFolderParams) {
    const all = listWavs(p.root);
    this.files = p.max_files === null ? all : all.slice(0, p.max_files);
    if (this.files.length === 0) throw new UntangleError('wavfolder.empty', `no .wav files under ${p.root}`, { root: p.root });
    const names = this.files.map((f) => speakerFromPath(relative(p.root, f).split(sep).join('/'), p.layout));
    this.speakers = [...new Set(names)].sort();
    this.speakerOfFile = names.map((n) => this.speakers.indexOf(n));
    this.mel = new LogMel({ ...SPEECH_MEL, nMels: p.n_mels });
    const c = this.mel.config;
    this.files.forEach((f, i) => {
      const head = new Uint8Array(65536);
      const fd = openSync(f, 'r');
      const got = readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      const h = parseWavHeader(head.subarray(0, got), f);
      if (h.sampleRate !== c.sampleRate) {
        throw new UntangleError('wavfolder.rate', `${f} is ${h.sampleRate} Hz; the features expect ${c.sampleRate} Hz`, { file: f }, 'resample the corpus to 16 kHz first');
      }
      const samples = h.dataBytes / (h.bits / 8) / h.channels;
      const frames = samples < c.winLength ? 0 : 1 + Math.floor((samples - c.winLength) / c.hop);
      for (let s = 0; s + p.segment_frames <= frames; s += p.segment_frames) this.segments.push({ file: i, start: s });
    });
    this.elementSpec = { x: [p.segment_frames, p.n_mels], static: [1], dynamic: [1], index: [], sequence: [] };
    if (p.standardize) {
      const probe = Array.from({ length: Math.min(16, this.files.length) }, (_, i) => Math.floor((i * this.files.length) / Math.min(16, this.files.length)));
      this.stats = bandStats(probe.map((i) => this.fileFeatures(i)), p.n_mels);
    }
  }

  get size(): number {
    return this.segments.length;
  }

  private fileFeatures(file: number): Float32Array {
    if (this.cache?.file !== file) {
      const audio = decodeWav(readFileSync(this.files[file]), this.files[file]);
      this.cache = { file, feats: this.mel.compute(toMono(audio)).data };
    }
    return this.cache.feats;
  }

  batch(indices: ArrayLike<number>): Batch {
    const n = indices.length;
    const { segment_frames: L, n_mels: M } = this.p;
    const x = new Float32Array(n * L * M);
    const spk = new Int32Array(n), pos = new Int32Array(n), seq = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const s = this.segments[indices[i]];
      const block = this.fileFeatures(s.file).subarray(s.start * M, (s.start + L) * M);
      x.set(this.stats ? standardize(block, this.stats) : block, i * L * M);
      spk[i] = this.speakerOfFile[s.file];
      pos[i] = s.start / L;
      seq[i] = s.file;
    }
    return {
      x: tf.tensor3d(x, [n, L, M]),
      static: tf.tensor2d(spk, [n, 1], 'int32'),
      dynamic: tf.tensor2d(pos, [n, 1], 'int32'),
      index: tf.tensor1d(Int32Array.from(indices), 'int32'),
      sequence: tf.tensor1d(seq, 'int32'),
    };
  }

  fingerprint(): DatasetFingerprint {
    const manifest = this.files.map((f) => `${relative(this.p.root, f)}:${statSync(f).size}`).join('\n');
    return { name: 'wav-folder', digest: sha256(manifest), source: this.p.root };
  }
}

export const wavFolderSpec = defineComponent<WavFolderParams, WavFolder>({
  target: 'untangle.datasets.WavFolder',
  kind: 'dataset',
  description: 'Real WAV folders (LibriSpeech/TIMIT layouts), speaker id from the path, log-mel segments',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['root'],
    properties: {
      root: { type: 'string' },
      layout: { enum: ['librispeech', 'timit', 'parent'], default: 'librispeech' },
      segment_frames: { type: 'integer', minimum: 1, default: 20 },
      n_mels: { type: 'integer', minimum: 8, maximum: 128, default: 80 },
      standardize: { type: 'boolean', default: true },
      max_files: { type: ['integer', 'null'], minimum: 1, default: null },
    },
  },
  create: (p) => new WavFolder(p),
});
