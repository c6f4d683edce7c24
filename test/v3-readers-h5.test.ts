// The readers of the upstream's SVHN and LibriSpeech HDF5 files, against tiny fixtures written by
// h5py in the upstream's layouts (test/fixtures/v3-h5/make-fixtures.py); every value there is a
// closed form of its indices, recomputed here.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { SvhnH5 } from '../components/datasets/v3/svhn-h5.ts';
import { LIBRISPEECH_PHONEMES, LibriSpeechH5 } from '../components/datasets/v3/librispeech-h5.ts';
import { fragmentWindows } from '../components/datasets/v3/fragment-windows.ts';
import { createRegistry } from '../registry.ts';

const FIX = 'test/fixtures/v3-h5';
const svhnPixel = (i: number, y: number, x: number, c: number) => ((i * 29 + y * 3 + x * 5 + c * 71) % 256) / 127.5 - 1;
const libriValue = (u: number, p: number, mel: number, t: number) => 100 * u + p + (mel % 7) / 8 + (t % 5) / 16;

describe('fragment windows', () => {
  it('first: one window per group; all: every start 0..size−n; short groups skipped or cycled', () => {
    expect(fragmentWindows([4, 1, 2], 2, 'first', 'skip')).toEqual({ windows: [{ group: 0, start: 0 }, { group: 2, start: 0 }], skipped: 1 });
    expect(fragmentWindows([4, 2], 2, 'all', 'skip').windows).toEqual([{ group: 0, start: 0 }, { group: 0, start: 1 }, { group: 0, start: 2 }, { group: 1, start: 0 }]);
    expect(fragmentWindows([1, 3], 2, 'all', 'cycle')).toEqual({ windows: [{ group: 0, start: 0 }, { group: 1, start: 0 }, { group: 1, start: 1 }], skipped: 0 });
  });
});

describe('SvhnH5 (upstream svhn_to_hdf5.py layout)', () => {
  // origins by crop: 10 3 10 25 3 10 4 4 10 → groups 10:[0,2,5,8] 3:[1,4] 25:[3] 4:[6,7].
  it('groups crops by origin in first-appearance order, skips origins with fewer than n crops', () => {
    const ds = new SvhnH5({ path: `${FIX}/svhn-test.hdf5`, n_fragments: 2, windows: 'first' });
    expect(ds.origins).toEqual(['10', '3', '25', '4']);
    expect(ds.skippedOrigins).toBe(1);
    expect(ds.size).toBe(3);
    expect(ds.elementSpec.x).toEqual([2, 32, 32, 3]);
    const b = ds.batch([0, 1, 2]);
    expect(Array.from(b.style.dataSync())).toEqual([0, 1, 3]);
    // digits of crops [0, 2], [1, 4], [6, 7]
    expect(Array.from(b.content.dataSync())).toEqual([1, 0, 7, 2, 4, 6]);
    const x = b.x.dataSync();
    const at = (s: number, j: number, y: number, xx: number, c: number) => x[(((s * 2 + j) * 32 + y) * 32 + xx) * 3 + c];
    for (const [s, j, crop] of [[0, 1, 2], [1, 0, 1], [2, 1, 7]]) {
      for (const [y, xx, c] of [[0, 0, 0], [5, 17, 2], [31, 31, 1]]) expect(at(s, j, y, xx, c)).toBeCloseTo(svhnPixel(crop, y, xx, c), 6);
    }
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    tf.dispose(Object.values(b));
  });

  it('windows: all gives every run of n consecutive crops of an origin', () => {
    const ds = new SvhnH5({ path: `${FIX}/svhn-test.hdf5`, n_fragments: 3, windows: 'all' });
    // only origin 10 has ≥ 3 crops: windows [0,2,5] and [2,5,8]
    expect(ds.size).toBe(2);
    const b = ds.batch([0, 1]);
    expect(Array.from(b.content.dataSync())).toEqual([1, 0, 9, 0, 9, 3]);
    tf.dispose(Object.values(b));
  });

  it('a missing file or too long a window is an error with context', () => {
    expect(() => new SvhnH5({ path: `${FIX}/nope.hdf5`, n_fragments: 2, windows: 'first' })).toThrow(/does not exist/);
    expect(() => new SvhnH5({ path: `${FIX}/svhn-test.hdf5`, n_fragments: 5, windows: 'first' })).toThrow(/no origin image has 5 crops/);
  });
});

describe('LibriSpeechH5 (upstream huggingface_to_hdf5.py layout)', () => {
  it('one example per utterance, phonemes as upstream label indices, speakers in numeric order, time × mel fragments', () => {
    const ds = new LibriSpeechH5({ path: `${FIX}/librispeech-test.hdf5`, n_fragments: 3, windows: 'first' });
    expect(ds.speakers).toEqual(['19', '26']);
    expect(ds.size).toBe(3);
    expect(ds.elementSpec.x).toEqual([3, 64, 80, 1]);
    const b = ds.batch([0, 1, 2]);
    expect(Array.from(b.style.dataSync())).toEqual([0, 0, 1]);
    const idx = (l: string) => LIBRISPEECH_PHONEMES.indexOf(l);
    // utterance 1 has 2 phonemes [jh, t]: cycled to jh t jh (the upstream repeats the utterance)
    expect(Array.from(b.content.dataSync())).toEqual([0, 1, 2, idx('jh'), idx('t'), idx('jh'), idx('k'), idx('m'), idx('ch')]);
    expect([idx('jh'), idx('t'), idx('k')]).toEqual([38, 31, 27]);
    const x = b.x.dataSync();
    const at = (s: number, j: number, t: number, mel: number) => x[((s * 3 + j) * 64 + t) * 80 + mel];
    for (const [s, j, u, p] of [[0, 2, 0, 2], [1, 2, 1, 0], [2, 1, 2, 1]]) {
      for (const [t, mel] of [[0, 0], [3, 79], [63, 12]]) expect(at(s, j, t, mel)).toBe(libriValue(u, p, mel, t));
    }
    tf.dispose(Object.values(b));
  });

  it('windows: all gives every run of n consecutive phonemes', () => {
    const ds = new LibriSpeechH5({ path: `${FIX}/librispeech-test.hdf5`, n_fragments: 4, windows: 'all' });
    // 5 phonemes → 2 windows; 2 → 1 cycled; 4 → 1
    expect(ds.size).toBe(4);
    const b = ds.batch([1]);
    expect(Array.from(b.content.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose(Object.values(b));
  });
});

describe('registration', () => {
  it('the readers are registered data set components', () => {
    for (const t of ['untangle.datasets.SvhnH5', 'untangle.datasets.LibriSpeechH5', 'untangle.datasets.InsNotesFiles']) expect(createRegistry().get(t)?.kind).toBe('dataset');
  });
});
