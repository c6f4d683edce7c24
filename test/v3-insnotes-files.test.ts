// The reader of the upstream's InsNotes files (ins<NN>_<MM>.npy, [513, T]) on small files written
// here; every value is a closed form of (file, bin, frame), recomputed by the assertions.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../framework/io/npy.ts';
import { InsNotesFiles } from '../components/datasets/sequential/audio/insnotes-files.ts';

// 14 notes: T = 33·13 + 32 = 461 frames (the upstream's 120 notes give 3960).
const T = 461;
const value = (file: number, f: number, t: number) => file * 10000 + f + t / 1024;
const dir = mkdtempSync(join(tmpdir(), 'insnotes-files-'));
const files = [['ins03_000.npy', 0], ['ins07_001.npy', 1], ['ins07_000.npy', 2]] as const;
for (const [name, k] of files) {
  const a = new Float32Array(513 * T);
  for (let f = 0; f < 513; f++) for (let t = 0; t < T; t++) a[f * T + t] = value(k, f, t);
  writeFileSync(join(dir, name), writeNpy(a, [513, T], 'float32'));
}
writeFileSync(join(dir, 'notes.txt'), 'not a spectrogram');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('InsNotesFiles', () => {
  it('files sorted by name, starts_per_file examples each, style = NN + label_offset', () => {
    const ds = new InsNotesFiles({ dir, n_fragments: 4, starts_per_file: 7, label_offset: 12 });
    expect(ds.files.map((f) => f.path.slice(dir.length + 1))).toEqual(['ins03_000.npy', 'ins07_000.npy', 'ins07_001.npy']);
    expect(ds.size).toBe(21);
    const b = ds.batch([0, 7, 20]);
    expect(Array.from(b.style.dataSync())).toEqual([15, 19, 19]);
    tf.dispose(Object.values(b));
  });

  it('fragment k = frames [33k, 33k+32) with the top bin dropped, as [frames, bins]; starts ⌊j·notes/S⌋, wrapping; content k mod 12', () => {
    const ds = new InsNotesFiles({ dir, n_fragments: 4, starts_per_file: 7, label_offset: 0 });
    expect(ds.elementSpec.x).toEqual([4, 32, 512, 1]);
    // example 20 = file ins07_001 (written as k = 1), j = 6: start ⌊6·14/7⌋ = 12 → notes 12, 13, 0, 1
    const b = ds.batch([20, 3]);
    expect(Array.from(b.content.dataSync())).toEqual([0, 1, 0, 1, 6, 7, 8, 9]);
    const x = b.x.dataSync();
    const at = (s: number, q: number, t: number, f: number) => x[((s * 4 + q) * 32 + t) * 512 + f];
    const notes = [[12, 13, 0, 1], [6, 7, 8, 9]];
    for (const [s, file] of [[0, 1], [1, 0]]) for (let q = 0; q < 4; q++) {
      for (const [t, f] of [[0, 0], [31, 511], [17, 200]]) expect(at(s, q, t, f)).toBe(Math.fround(value(file, f, 33 * notes[s][q] + t)));
    }
    // the top bin (512) is nowhere: every value's bin part is < 512
    let maxBin = 0;
    for (const v of x) maxBin = Math.max(maxBin, Math.floor(v) % 10000);
    expect(maxBin).toBe(511);
    tf.dispose(Object.values(b));
  });

  it('bad names and shapes are errors with the file', () => {
    const bad = mkdtempSync(join(tmpdir(), 'insnotes-bad-'));
    try {
      writeFileSync(join(bad, 'piano_01.npy'), writeNpy(new Float32Array(4), [2, 2], 'float32'));
      expect(() => new InsNotesFiles({ dir: bad, n_fragments: 2, starts_per_file: 1, label_offset: 0 })).toThrow(/ins<NN>_<MM>\.npy/);
      rmSync(join(bad, 'piano_01.npy'));
      writeFileSync(join(bad, 'ins00_00.npy'), writeNpy(new Float32Array(512 * 40), [512, 40], 'float32'));
      const ds = new InsNotesFiles({ dir: bad, n_fragments: 2, starts_per_file: 1, label_offset: 0 });
      expect(() => ds.batch([0])).toThrow(/expected \[513, T ≥ 32\], got \[512, 40\]/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
