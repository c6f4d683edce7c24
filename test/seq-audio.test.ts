import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, encodeWav } from '../components/datasets/sequential/audio/wav.ts';
import { fft, hzToMel, LogMel, melFilterbank, melToHz, SPEECH_MEL, frameCount } from '../components/datasets/sequential/audio/mel.ts';
import { AudioSynth } from '../components/datasets/sequential/audio/audio-synth.ts';
import { speakerFromPath, WavFolder } from '../components/datasets/sequential/audio/wav-folder.ts';
import { Rng } from '../framework/util/rng.ts';

tf.setBackend('cpu');

function sine(freq: number, seconds: number, sr = 16000, amp = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sr) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / sr));
}

describe('WAV reader/writer', () => {
  it('PCM16 round-trips within half a quantisation step and float32 exactly', () => {
    const samples = Float32Array.from(new Rng(1).fillUniform(new Float32Array(1000), -0.99, 0.99));
    const pcm = decodeWav(encodeWav({ sampleRate: 16000, channels: 1, samples }, 'pcm16'));
    expect(pcm.sampleRate).toBe(16000);
    expect(pcm.samples.length).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(Math.abs(pcm.samples[i] - samples[i])).toBeLessThanOrEqual(0.5 / 32768 + 1e-9);
    expect(decodeWav(encodeWav({ sampleRate: 8000, channels: 2, samples }, 'float32')).samples).toEqual(samples);
  });

  it('reads a hand-built file: 44-byte header fields, a LIST chunk before data, known sample values', () => {
    const data = new Int16Array([0, 16384, -32768, 32767]);
    const list = new Uint8Array([...Buffer.from('LIST'), 4, 0, 0, 0, ...Buffer.from('INFO')]);
    const hdr = Buffer.alloc(36);
    hdr.write('RIFF', 0); hdr.writeUInt32LE(36 + list.length + 8 + 8, 4); hdr.write('WAVE', 8);
    hdr.write('fmt ', 12); hdr.writeUInt32LE(16, 16); hdr.writeUInt16LE(1, 20); hdr.writeUInt16LE(1, 22);
    hdr.writeUInt32LE(22050, 24); hdr.writeUInt32LE(44100, 28); hdr.writeUInt16LE(2, 32); hdr.writeUInt16LE(16, 34);
    const dataHdr = Buffer.alloc(8); dataHdr.write('data', 0); dataHdr.writeUInt32LE(8, 4);
    const file = Buffer.concat([hdr, list, dataHdr, Buffer.from(data.buffer)]);
    const w = decodeWav(new Uint8Array(file));
    expect(w.sampleRate).toBe(22050);
    expect(Array.from(w.samples)).toEqual([0, 0.5, -1, 32767 / 32768]);
    expect(() => decodeWav(new Uint8Array(Buffer.from('NIST_1A\n   1024\n')))).toThrow(/not a RIFF/);
  });
});

describe('log-mel features', () => {
  it('HTK mel scale: 1000 Hz ↔ 1000 mel, 0 ↔ 0, and the inverse', () => {
    expect(hzToMel(0)).toBe(0);
    expect(hzToMel(1000)).toBeCloseTo(1000, 1);
    expect(hzToMel(700)).toBeCloseTo(2595 * Math.log10(2), 9);
    for (const f of [55, 440, 3000, 7999]) expect(melToHz(hzToMel(f))).toBeCloseTo(f, 6);
  });

  it('the FFT equals the direct DFT', () => {
    const n = 16;
    const x = new Rng(3).fillNormal(new Float32Array(n));
    const re = Float64Array.from(x), im = new Float64Array(n);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let r = 0, i = 0;
      for (let t = 0; t < n; t++) { r += x[t] * Math.cos((2 * Math.PI * k * t) / n); i -= x[t] * Math.sin((2 * Math.PI * k * t) / n); }
      expect(re[k]).toBeCloseTo(r, 9);
      expect(im[k]).toBeCloseTo(i, 9);
    }
  });

  it('triangular filters peak at mel-equispaced centres; a pure tone lands in the filter centred nearest it', () => {
    const c = SPEECH_MEL;
    const bank = melFilterbank(c);
    expect(bank.length).toBe(80);
    expect(bank[0].length).toBe(257);
    const centres = Array.from({ length: 80 }, (_, m) => melToHz(((m + 1) * hzToMel(8000)) / 81));
    const mel = new LogMel(c);
    for (const f of [300, 1000, 2500, 5000]) {
      const { data, frames } = mel.compute(sine(f, 0.2));
      expect(frames).toBe(frameCount(3200, c));
      expect(frames).toBe(1 + Math.floor((3200 - 400) / 160));
      const row = data.subarray(5 * 80, 6 * 80);
      const peak = row.indexOf(Math.max(...row));
      const nearest = centres.reduce((best, h, m) => (Math.abs(h - f) < Math.abs(centres[best] - f) ? m : best), 0);
      expect(Math.abs(peak - nearest)).toBeLessThanOrEqual(1);
    }
    // Each filter is a triangle: rises to ≤ 1 and back to 0, with weights ≥ 0.
    for (const w of bank) {
      expect(Math.max(...w)).toBeLessThanOrEqual(1);
      expect(Math.max(...w)).toBeGreaterThan(0.2);
      expect(Math.min(...w)).toBe(0);
    }
  });
});

describe('AudioSynth', () => {
  it('labels content per frame, speaker per utterance, and caches real WAV files', () => {
    const cache = mkdtempSync(join(tmpdir(), 'seq-audio-'));
    const d = new AudioSynth({ speakers: 3, segments: 2, segment_ms: 100, n_mels: 20, noise: 0, standardize: false, cache_dir: cache, memory_cache: 0, seed: 0 });
    expect(d.size).toBe(3 * 25);
    expect(d.frames).toBe(1 + Math.floor((3200 - 400) / 160));
    const idx = d.factorsToIndex(Int32Array.from([2, 4, 1]), 1)[0];
    const b = d.batch([idx]);
    expect(b.x.shape).toEqual([1, d.frames, 20]);
    expect(Array.from(b.static.dataSync())).toEqual([2]);
    const dyn = Array.from(b.dynamic.dataSync());
    // Frame t's centre sample is 160t + 200; the segment boundary is sample 1600.
    dyn.forEach((v, t) => expect(v).toBe(160 * t + 200 < 1600 ? 4 : 1));
    const wav = decodeWav(readFileSync(join(cache, '2', `${idx}.wav`)));
    expect(wav.samples.length).toBe(3200);
    expect(readdirSync(cache)).toEqual(['2']);
    // Deterministic, and the speakers differ in pitch: the low-frequency energy moves with f0.
    expect(Array.from(d.batch([idx]).x.dataSync())).toEqual(Array.from(b.x.dataSync()));
  });
});

describe('WavFolder', () => {
  it('speaker ids from LibriSpeech and TIMIT paths', () => {
    expect(speakerFromPath('103/1240/103-1240-0000.wav', 'librispeech')).toBe('103');
    expect(speakerFromPath('TRAIN/DR1/FCJF0/SA1.wav', 'timit')).toBe('FCJF0');
    expect(() => speakerFromPath('a.wav', 'parent')).toThrow(/speaker directory/);
  });

  it('cuts real WAV files into fixed log-mel segments with speaker and utterance ids', () => {
    const root = mkdtempSync(join(tmpdir(), 'seq-wavs-'));
    const files: [string, number, number][] = [['19/198/a.wav', 220, 0.5], ['19/198/b.wav', 330, 0.3], ['7/11/c.wav', 440, 0.5]];
    for (const [rel, f, sec] of files) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), encodeWav({ sampleRate: 16000, channels: 1, samples: sine(f, sec) }));
    }
    const d = new WavFolder({ root, layout: 'librispeech', segment_frames: 10, n_mels: 16, standardize: false, max_files: null });
    expect(d.speakers).toEqual(['19', '7']);
    // 0.5 s → 48 frames → 4 segments; 0.3 s → 28 frames → 2 segments.
    expect(d.size).toBe(4 + 2 + 4);
    const b = d.batch([0, 4, 9]);
    expect(b.x.shape).toEqual([3, 10, 16]);
    expect(Array.from(b.static.dataSync())).toEqual([0, 0, 1]);
    expect(Array.from(b.sequence.dataSync())).toEqual([0, 1, 2]);
    expect(Array.from(b.dynamic.dataSync())).toEqual([0, 0, 3]);
    const direct = new LogMel({ ...SPEECH_MEL, nMels: 16 }).compute(decodeWav(readFileSync(join(root, '7/11/c.wav'))).samples).data;
    const got = b.x.dataSync().subarray(2 * 160, 3 * 160);
    for (let i = 0; i < 160; i++) expect(got[i]).toBeCloseTo(direct[30 * 16 + i], 5);
  });
});
