import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../../../../framework/registry/types.ts';
import { GridSequenceDataset } from '../grid-sequence-dataset.ts';
import { runCacheDir } from '../../cache-dir.ts';
import { speakerProfile, synthesizeUtterance, VOWELS } from './formant-synth.ts';
import { LogMel, SPEECH_MEL, frameCount } from './mel.ts';
import { decodeWav, encodeWav } from './wav.ts';
import { bandStats, standardize } from './feature-stats.ts';

export interface AudioSynthParams {
  speakers: number;
  segments: number;
  segment_ms: number;
  n_mels: number;
  noise: number;
  standardize: boolean;
  cache_dir: string | null;
  memory_cache: number;
  seed: number;
}

/**
 * Synthetic utterances: `speakers` speakers (static: f0, formant scale, spectral tilt) saying
 * every sequence of `segments` vowels out of 5 (dynamic content), 16 kHz. Features are 25 ms /
 * 10 ms log-mel frames (`n_mels` bands, 80 as in FHVAE/DVAE) computed in TypeScript, optionally
 * standardised per band with statistics of a fixed probe subset.
 * x: [B, T, n_mels]; static: [B, 1] speaker; dynamic: [B, T, 1] the vowel under each frame's
 * centre; factors: [speaker, vowel_1, ..., vowel_S]; sequence: [B] utterance id.
 * With `cache_dir`, each utterance is written as a real 16-bit RIFF/WAV file (`<speaker>/<index>.wav`)
 * on first use and features are computed from the file read back.
 */
export class AudioSynth extends GridSequenceDataset {
  readonly elementSpec: Record<string, number[]>;
  readonly mel: LogMel;
  readonly frames: number;
  private stats: { mean: Float32Array; std: Float32Array } | null = null;
  private readonly memo = new Map<number, Float32Array>();

  constructor(readonly p: AudioSynthParams) {
    super(['speaker', ...Array.from({ length: p.segments }, (_, i) => `vowel_${i + 1}`)],
      [p.speakers, ...new Array<number>(p.segments).fill(VOWELS.length)], [0], 'v1');
    this.mel = new LogMel({ ...SPEECH_MEL, nMels: p.n_mels });
    this.frames = frameCount(this.samplesPerUtterance, this.mel.config);
    this.elementSpec = { x: this.sequenceShape, static: [1], dynamic: [this.frames, 1], factors: [1 + p.segments], index: [], sequence: [] };
    if (p.standardize) {
      const probe = Array.from({ length: 24 }, (_, i) => Math.floor((i * this.size) / 24));
      this.stats = bandStats(probe.map((i) => this.rawFeatures(this.indexToFactors([i]))), p.n_mels);
    }
  }

  get segmentSamples(): number {
    return Math.round((this.p.segment_ms / 1000) * this.mel.config.sampleRate);
  }
  get samplesPerUtterance(): number {
    return this.segmentSamples * this.p.segments;
  }
  get sequenceShape(): number[] {
    return [this.frames, this.p.n_mels];
  }

  /** The waveform of one utterance (from the WAV cache when `cache_dir` is set). */
  waveform(f: Int32Array): Float32Array {
    const index = this.factorsToIndex(f, 1)[0];
    const render = () => synthesizeUtterance({
      sampleRate: this.mel.config.sampleRate, segmentSamples: this.segmentSamples, vowels: f.subarray(1),
      speaker: speakerProfile(f[0], this.p.speakers), noise: this.p.noise, noiseSeed: (this.p.seed * 1000003 + index) >>> 0,
    });
    if (!this.p.cache_dir) return render();
    const path = join(this.p.cache_dir, String(f[0]), `${index}.wav`);
    if (!existsSync(path)) {
      mkdirSync(join(this.p.cache_dir, String(f[0])), { recursive: true });
      writeFileSync(path, encodeWav({ sampleRate: this.mel.config.sampleRate, channels: 1, samples: render() }));
    }
    return decodeWav(readFileSync(path), path).samples;
  }

  private rawFeatures(f: Int32Array): Float32Array {
    return this.mel.compute(this.waveform(f)).data;
  }

  renderSequence(f: Int32Array): Float32Array {
    const index = this.factorsToIndex(f, 1)[0];
    const hit = this.memo.get(index);
    if (hit) return hit;
    const raw = this.rawFeatures(f);
    const feats = this.stats ? standardize(raw, this.stats) : raw;
    // Synthesis costs tens of ms per utterance: keep features of up to `memory_cache` utterances.
    if (this.memo.size < this.p.memory_cache) this.memo.set(index, feats);
    return feats;
  }

  /** Per-frame content: the vowel of the segment holding each frame's centre sample. */
  protected override dynamicLabels(f: Int32Array, n: number): tf.Tensor {
    const k = this.factorSizes.length;
    const out = new Int32Array(n * this.frames);
    const c = this.mel.config;
    for (let i = 0; i < n; i++) for (let t = 0; t < this.frames; t++) {
      const seg = Math.min(this.p.segments - 1, Math.floor((t * c.hop + c.winLength / 2) / this.segmentSamples));
      out[i * this.frames + t] = f[i * k + 1 + seg];
    }
    return tf.tensor3d(out, [n, this.frames, 1], 'int32');
  }
}

export const audioSynthSpec = defineComponent<AudioSynthParams, AudioSynth>({
  target: 'untangle.datasets.AudioSynth',
  kind: 'dataset',
  description: 'Synthetic vowel utterances: static speaker (f0/formant scale/tilt), dynamic vowel sequence; log-mel features',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      speakers: { type: 'integer', minimum: 2, default: 10 },
      segments: { type: 'integer', minimum: 1, maximum: 8, default: 4 },
      segment_ms: { type: 'number', minimum: 50, default: 200 },
      n_mels: { type: 'integer', minimum: 8, maximum: 128, default: 80 },
      noise: { type: 'number', minimum: 0, default: 0.003 },
      standardize: { type: 'boolean', default: true },
      cache_dir: { type: ['string', 'null'], default: null, description: 'write/read utterances as 16-bit WAV files here' },
      memory_cache: { type: 'integer', minimum: 0, default: 8192, description: 'utterances whose features are kept in memory' },
      seed: { type: 'integer', minimum: 0, default: 0 },
    },
  },
  create: (p, ctx) => new AudioSynth({ ...p, cache_dir: runCacheDir(p.cache_dir, ctx) ?? null }),
});
