import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { InsNotes, INSNOTES_OOD, insNotesFeatures, synthesizeNotes, type InsNotesParams } from '../components/datasets/sequential/audio/insnotes.ts';

describe('InsNotes (procedural)', () => {
  const base: InsNotesParams = { instruments: [64, 19], label_offset: 0, n_fragments: 12, notes: 24, onset_s: 1.056, takes: 1, velocity: [127, 127], split: 'train', window_stride: 1 };
  const ds = new InsNotes(base);

  it('24 notes of 1.056 s at 16 kHz: 1 + (405504 − 1024)/512 = 791 frames, 24 fragments of 32 frames every 33, 13 examples per instrument', () => {
    expect(ds.fragmentsPerInstrument).toBe(24);
    expect(ds.size).toBe(26);
    expect(ds.elementSpec.x).toEqual([12, 32, 512, 1]);
  });

  it('fragment k holds note k mod 12: its strongest bin is a harmonic of that note', () => {
    const b = ds.batch([3]);
    const x = b.x.dataSync(), content = Array.from(b.content.dataSync());
    expect(content).toEqual(Array.from({ length: 12 }, (_, j) => (3 + j) % 12));
    for (const j of [0, 5, 11]) {
      const mean = new Float64Array(512);
      for (let t = 0; t < 32; t++) for (let f = 0; f < 512; f++) mean[f] += x[(j * 32 + t) * 512 + f];
      let best = 0;
      for (let f = 1; f < 512; f++) if (mean[f] > mean[best]) best = f;
      const f0Bin = (440 * 2 ** ((60 + content[j] - 69) / 12) * 1024) / 16000;
      const h = Math.round(best / f0Bin);
      expect(h).toBeGreaterThanOrEqual(1);
      expect(Math.abs(best - h * f0Bin)).toBeLessThanOrEqual(1.5);
    }
    tf.dispose(Object.values(b));
  });

  it('envelopes end inside the 1.056 s slot (upstream bug 9): silence at each onset boundary', () => {
    const s = synthesizeNotes(19, 3, 1.056, 16000);
    const slot = Math.round(1.056 * 16000);
    for (let m = 1; m <= 3; m++) expect(Math.abs(s[m * slot - 1])).toBeLessThan(1e-3);
    expect(Math.max(...s.subarray(slot / 4, slot / 2).map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('style labels: training 0.., OOD from label_offset so they never collide; instruments differ in timbre', () => {
    const ood = new InsNotes({ ...base, instruments: INSNOTES_OOD, label_offset: 12, notes: 13 });
    const sOod = Array.from(ood.batch([0, ood.size - 1]).style.dataSync());
    expect(sOod).toEqual([12, 15]);
    const b = ds.batch([0, 13]);
    expect(Array.from(b.style.dataSync())).toEqual([0, 1]);
    const x = b.x.dataSync(), half = x.length / 2;
    let diff = 0;
    for (let i = 0; i < half; i++) diff += Math.abs(x[i] - x[half + i]);
    expect(diff / half).toBeGreaterThan(0.1);
  });

  it('a take is the render with each note scaled by its velocity gain: the batch equals the features of the resynthesised, gain-scaled signal', () => {
    const v = new InsNotes({ ...base, instruments: [41], notes: 4, n_fragments: 2, takes: 2, velocity: [80, 120] });
    const gains = v.noteGains(0, 1);
    // Velocities in [80, 120] give gains in [(80/127)², (120/127)²], drawn per note.
    for (const g of gains) { expect(g).toBeGreaterThanOrEqual((80 / 127) ** 2); expect(g).toBeLessThanOrEqual((120 / 127) ** 2); }
    expect(new Set(gains).size).toBe(4);
    const slot = Math.round(1.056 * 16000);
    const sig = synthesizeNotes(41, 4, 1.056, 16000).map((s, i) => s * gains[Math.floor(i / slot)]);
    const feats = insNotesFeatures(sig);
    // Take 1, window 1: fragments 1 and 2 (frames 33k .. 33k + 31).
    const b = v.batch([v.windowsPerTake + 1]);
    const x = b.x.dataSync();
    // Bins well above the 1e-5 floor agree to float32 rounding; near the floor the resynthesised
    // signal's own float32 rounding (~1e-7 on a 1024-sample sum) moves the log by up to ~1e-2.
    let worstStrong = 0, worstAll = 0, strong = 0;
    for (let j = 0; j < 2; j++) for (let t = 0; t < 32; t++) for (let f = 0; f < 512; f++) {
      const ref = feats[33 * (1 + j) + t][f], d = Math.abs(x[(j * 32 + t) * 512 + f] - ref);
      worstAll = Math.max(worstAll, d);
      if (ref > Math.log(1e-2)) { worstStrong = Math.max(worstStrong, d); strong++; }
    }
    expect(strong).toBeGreaterThan(500);
    expect(worstStrong).toBeLessThan(1e-4);
    expect(worstAll).toBeLessThan(2e-2);
    expect(Array.from(b.content.dataSync())).toEqual([1, 2]);
    tf.dispose(Object.values(b));
  });

  it('takes, and train and test, differ by each note\'s own log-gain; a fixed velocity makes every take the same', () => {
    const p = { ...base, instruments: [64], notes: 12, n_fragments: 12, takes: 2, velocity: [80, 120] as [number, number] };
    const train = new InsNotes(p), test = new InsNotes({ ...p, split: 'test' });
    const x0 = train.batch([0]).x.dataSync(), x1 = train.batch([1]).x.dataSync(), xt = test.batch([0]).x.dataSync();
    // On a strong bin (well above the 1e-5 floor) log(g·m + ε) − log(g'·m + ε) ≈ log(g/g').
    const note = 3, strong = (() => { let best = 0; for (let f = 0; f < 512; f++) if (x0[(note * 32 + 16) * 512 + f] > x0[(note * 32 + 16) * 512 + best]) best = f; return best; })();
    const at = (x: Float32Array | Int32Array | Uint8Array, t: number) => x[(note * 32 + t) * 512 + strong];
    const expected = Math.log(train.noteGains(0, 0)[note] / train.noteGains(0, 1)[note]);
    for (const t of [8, 16, 24]) expect(at(x0, t) - at(x1, t)).toBeCloseTo(expected, 3);
    expect(Math.abs(at(x0, 16) - at(xt, 16))).toBeGreaterThan(1e-3);
    const fixed = new InsNotes({ ...p, velocity: [100, 100] });
    expect(Array.from(fixed.batch([0]).x.dataSync())).toEqual(Array.from(fixed.batch([1]).x.dataSync()));
  });

  it('window_stride = n_fragments gives disjoint examples: (24 − 6)/6 + 1 = 4 per take, starting at notes 0, 6, 12, 18', () => {
    const v = new InsNotes({ ...base, instruments: [64, 19], n_fragments: 6, takes: 3, window_stride: 6 });
    expect(v.windowsPerTake).toBe(4);
    expect(v.size).toBe(2 * 3 * 4);
    const b = v.batch([0, 1, 3, 4, 12]);
    const c = Array.from(b.content.dataSync());
    expect([c[0], c[6], c[12], c[18], c[24]]).toEqual([0, 6, 18 % 12, 0, 0]);
    expect(Array.from(b.style.dataSync())).toEqual([0, 0, 0, 0, 1]);
    tf.dispose(Object.values(b));
  });
});
