import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../framework/util/rng.ts';
import { Sprites } from '../components/datasets/sequential/sprites.ts';
import { HAIR, PANTS, SKIN, TOP } from '../components/datasets/sequential/sprites-render.ts';
import { MovingDigits } from '../components/datasets/sequential/moving-digits.ts';
import { DIGIT_GLYPHS } from '../components/datasets/sequential/digit-font.ts';
import { SyntheticSeries } from '../components/datasets/sequential/timeseries/synthetic-series.ts';
import { TimeSeriesCSV } from '../components/datasets/sequential/timeseries/timeseries-csv.ts';

tf.setBackend('cpu');

/** Which palette entries occur exactly in a 64×64×3 frame. */
function coloursPresent(frame: Float32Array, palette: readonly (readonly number[])[]): number[] {
  const hit = new Set<number>();
  for (let p = 0; p < frame.length; p += 3) {
    palette.forEach((c, k) => {
      if (Math.fround(c[0]) === frame[p] && Math.fround(c[1]) === frame[p + 1] && Math.fround(c[2]) === frame[p + 2]) hit.add(k);
    });
  }
  return [...hit].sort();
}

describe('Sprites', () => {
  const d = new Sprites({ frames: 8 });

  it('is the full 6⁴·3·3 grid, index ↔ factors a bijection, batch labels split static/dynamic', () => {
    expect(d.size).toBe(6 ** 4 * 9);
    const idx = [0, 1, 2, 9, 100, d.size - 1];
    const f = d.indexToFactors(idx);
    expect(Array.from(d.factorsToIndex(f, idx.length))).toEqual(idx);
    expect(Array.from(f.subarray(6 * 5))).toEqual([5, 5, 5, 5, 2, 2]);
    expect(Array.from(f.subarray(6, 12))).toEqual([0, 0, 0, 0, 0, 1]); // last factor (direction) fastest
    const b = d.batch([idx[4], idx[5]]);
    expect(b.x.shape).toEqual([2, 8, 64, 64, 3]);
    expect(Array.from(b.static.dataSync())).toEqual([...f.subarray(24, 28), ...f.subarray(30, 34)]);
    expect(Array.from(b.dynamic.dataSync())).toEqual([...f.subarray(28, 30), ...f.subarray(34, 36)]);
    expect(b.static.dtype).toBe('int32');
    tf.dispose(Object.values(b));
  });

  it('every frame shows exactly the labelled skin, top, pants and hair colours (and no other of each palette)', () => {
    const rng = new Rng(5);
    const rows = d.sampleFactors(24, rng);
    for (let i = 0; i < 24; i++) {
      const f = rows.subarray(6 * i, 6 * i + 6);
      const seq = d.renderSequence(f);
      for (let t = 0; t < 8; t++) {
        const frame = seq.subarray(t * 64 * 64 * 3, (t + 1) * 64 * 64 * 3);
        expect(coloursPresent(frame, SKIN)).toEqual([f[0]]);
        expect(coloursPresent(frame, TOP)).toEqual([f[1]]);
        expect(coloursPresent(frame, PANTS)).toEqual([f[2]]);
        expect(coloursPresent(frame, HAIR)).toEqual([f[3]]);
      }
    }
  });

  it('is deterministic; the pose moves over time; action and direction change the pictures', () => {
    const f = Int32Array.from([1, 2, 3, 4, 0, 1]);
    const a = d.renderSequence(f);
    expect(d.renderSequence(f)).toEqual(a);
    const per = 64 * 64 * 3;
    const diff = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + (v !== y[i] ? 1 : 0), 0);
    expect(diff(a.subarray(0, per), a.subarray(2 * per, 3 * per))).toBeGreaterThan(20);
    for (const other of [[1, 2, 3, 4, 1, 1], [1, 2, 3, 4, 2, 1], [1, 2, 3, 4, 0, 2]]) {
      expect(diff(a, d.renderSequence(Int32Array.from(other)))).toBeGreaterThan(100);
    }
    expect(d.fingerprint()).toEqual(new Sprites({ frames: 8 }).fingerprint());
  });
});

describe('MovingDigits', () => {
  const d = new MovingDigits({ frames: 10, scale: 3 });

  it('draws the whole glyph in every frame inside the canvas, moving at the labelled speed with bounces', () => {
    const rng = new Rng(2);
    const rows = d.sampleFactors(30, rng);
    for (let i = 0; i < 30; i++) {
      const f = rows.subarray(4 * i, 4 * i + 4);
      const ink = DIGIT_GLYPHS[f[0]].join('').split('').filter((c) => c === '#').length * 9;
      const seq = d.renderSequence(f);
      for (let t = 0; t < 10; t++) expect(seq.subarray(t * 4096, (t + 1) * 4096).reduce((s, v) => s + v, 0)).toBe(ink);
      const traj = d.trajectory(f[1], f[2], f[3]);
      const v = [2, 4][f[2]];
      for (let t = 1; t < traj.length; t++) {
        const [dx, dy] = [Math.abs(traj[t][0] - traj[t - 1][0]), Math.abs(traj[t][1] - traj[t - 1][1])];
        expect(dx).toBeLessThanOrEqual(v);
        expect(dy).toBeLessThanOrEqual(v);
        expect(traj[t][0]).toBeGreaterThanOrEqual(0);
        expect(traj[t][0]).toBeLessThanOrEqual(64 - 15);
      }
    }
    const b = d.batch([0, 37]);
    expect(b.static.shape).toEqual([2, 1]);
    expect(b.dynamic.shape).toEqual([2, 3]);
    tf.dispose(Object.values(b));
  });
});

describe('SyntheticSeries', () => {
  it('static offset/frequency and per-step regimes are the labels the values were made from', () => {
    const d = new SyntheticSeries({ length: 64, offsets: [-2, 2], frequencies: [0.05, 0.25], regime_amplitudes: [0.1, 1], stay_probability: 0.9, replicates: 3, noise: 0, seed: 4 });
    expect(d.size).toBe(12);
    const b = d.batch([0, 11]);
    const x = b.x.dataSync(), s = b.static.dataSync(), r = b.dynamic.dataSync();
    expect(Array.from(s)).toEqual([0, 0, 1, 1]);
    for (let i = 0; i < 2; i++) for (let t = 0; t < 64; t++) {
      const off = [-2, 2][s[2 * i]];
      expect(Math.abs(x[i * 64 + t] - off)).toBeLessThanOrEqual([0.1, 1][r[i * 64 + t]] + 1e-6);
    }
    expect(new Set(Array.from(r)).size).toBe(2);
    expect(Array.from(d.batch([5]).x.dataSync())).toEqual(Array.from(d.batch([5]).x.dataSync()));
  });

  it('channels: a standing wave at drift 0, a delay embedding at drift 1; one channel keeps the old series and digest', () => {
    const base = { length: 20, offsets: [-2, 2], frequencies: [1 / 8, 2 / 8], regime_amplitudes: [0.5, 1.5], stay_probability: 0.8, replicates: 2, noise: 0, seed: 4 };
    const one = new SyntheticSeries(base), explicit = new SyntheticSeries({ ...base, channels: 1, drift: 1, random_phase: true });
    expect(Array.from(explicit.batch([3]).x.dataSync())).toEqual(Array.from(one.batch([3]).x.dataSync()));
    expect(explicit.fingerprint().digest).toBe(one.fingerprint().digest);
    const C = 8;
    // Drift 0, phase 0: step t across channels is offset + a_t·sin(2π f c), exactly.
    const stand = new SyntheticSeries({ ...base, channels: C, drift: 0, random_phase: false });
    expect(stand.elementSpec.x).toEqual([20, C]);
    expect(stand.fingerprint().digest).not.toBe(one.fingerprint().digest);
    for (const k of [0, 7]) {
      const { x, regimes } = stand.series(k), [o, f] = stand.staticOf(k);
      for (let t = 0; t < 20; t++) for (let c = 0; c < C; c++) {
        expect(x[t * C + c]).toBeCloseTo(base.offsets[o] + base.regime_amplitudes[regimes[t]] * Math.sin(2 * Math.PI * base.frequencies[f] * c), 5);
      }
    }
    // Drift 1: channel c at step t is channel 0 at step t + c wherever the regime holds over the span.
    const delay = new SyntheticSeries({ ...base, channels: C, drift: 1 });
    const { x, regimes } = delay.series(2);
    let checked = 0;
    for (let t = 0; t + C <= 20; t++) for (let c = 1; c < C; c++) {
      if (regimes[t] !== regimes[t + c]) continue;
      expect(x[t * C + c]).toBeCloseTo(x[(t + c) * C], 5);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('TimeSeriesCSV', () => {
  it('ETTh-style: z-scores with the training span over observed entries, hour of day from the date', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq-csv-'));
    const lines = ['date,HUFL,OT'];
    for (let i = 0; i < 10; i++) lines.push(`2016-07-01 ${String(i).padStart(2, '0')}:00:00,${i === 3 ? 'NA' : i},${2 * i + 1}`);
    writeFileSync(join(dir, 'ETTh1.csv'), `${lines.join('\n')}\n`);
    const d = new TimeSeriesCSV({ path: join(dir, 'ETTh1.csv'), columns: null, window: 3, stride: 1, split: 'train', split_fractions: [0.6, 0.2, 0.2] });
    expect(d.columns).toEqual(['HUFL', 'OT']);
    // Train rows 0..5; HUFL observed 0,1,2,4,5 → mean 2.4; OT 1,3,5,7,9,11 → mean 6.
    expect(d.mean[0]).toBeCloseTo(2.4, 6);
    expect(d.mean[1]).toBeCloseTo(6, 6);
    expect(d.std[1]).toBeCloseTo(Math.sqrt(35 / 3), 5);
    expect(d.size).toBe(4);
    const b = d.batch([1]);
    expect(Array.from(b.mask.dataSync())).toEqual([1, 1, 1, 1, 0, 1]);
    expect(Array.from(b.dynamic.dataSync())).toEqual([1, 2, 3]);
    expect(b.x.dataSync()[4]).toBe(0);
    expect(b.x.dataSync()[0]).toBeCloseTo((1 - 2.4) / d.std[0], 5);
    const test = new TimeSeriesCSV({ ...d.p, split: 'test' });
    expect(test.size).toBe(0); // rows 8..9 cannot hold a window of 3
  });

  it('AirQuality-style: one series per station file, NA gaps, categorical wind direction dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq-aq-'));
    const head = 'No,year,month,day,hour,PM2.5,TEMP,wd,WSPM,station';
    for (const [s, base] of [['Aotizhongxin', 10], ['Changping', 20]] as const) {
      const rows = Array.from({ length: 8 }, (_, h) => `${h + 1},2013,3,1,${h},${h === 2 ? 'NA' : base + h},${-1 + h},NW,1.5,${s}`);
      writeFileSync(join(dir, `PRSA_Data_${s}_20130301-20170228.csv`), `${head}\n${rows.join('\n')}\n`);
    }
    const d = new TimeSeriesCSV({ path: dir, columns: null, window: 4, stride: 2, split: 'all', split_fractions: [0.5, 0.25, 0.25] });
    expect(d.columns).toEqual(['PM2.5', 'TEMP', 'WSPM']);
    expect(d.series.map((s) => s.name)).toEqual(['Aotizhongxin', 'Changping']);
    expect(d.size).toBe(6);
    // Training span = first 4 rows of each station; PM2.5 observed: 10, 11, 13, 20, 21, 23 → mean 16.333…
    expect(d.mean[0]).toBeCloseTo(98 / 6, 5);
    const b = d.batch([3]);
    expect(Array.from(b.static.dataSync())).toEqual([1]);
  });
});

describe('data set speed', () => {
  it('renders Sprites fast enough to stream (measured, printed)', () => {
    const d = new Sprites({ frames: 8 });
    const t0 = performance.now();
    const b = d.batch(Array.from({ length: 64 }, (_, i) => i * 7));
    const s = (performance.now() - t0) / 1000;
    tf.dispose(Object.values(b));
    console.log(`Sprites: ${(64 * 8 / s).toFixed(0)} frames/s (${(64 / s).toFixed(0)} sequences/s) incl. tensor upload`);
    expect(64 / s).toBeGreaterThan(50);
  });
});

