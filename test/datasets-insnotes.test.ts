import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { InsNotes, INSNOTES_OOD, synthesizeNotes } from '../components/datasets/sequential/audio/insnotes.ts';

describe('InsNotes (procedural)', () => {
  const ds = new InsNotes({ instruments: [64, 19], label_offset: 0, n_fragments: 12, notes: 24, onset_s: 1.056 });

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
    const ood = new InsNotes({ instruments: INSNOTES_OOD, label_offset: 12, n_fragments: 12, notes: 13, onset_s: 1.056 });
    const sOod = Array.from(ood.batch([0, ood.size - 1]).style.dataSync());
    expect(sOod).toEqual([12, 15]);
    const b = ds.batch([0, 13]);
    expect(Array.from(b.style.dataSync())).toEqual([0, 1]);
    const x = b.x.dataSync(), half = x.length / 2;
    let diff = 0;
    for (let i = 0; i < half; i++) diff += Math.abs(x[i] - x[half + i]);
    expect(diff / half).toBeGreaterThan(0.1);
  });
});
