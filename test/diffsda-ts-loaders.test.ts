import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { loadAirQuality, airQualitySpec, type AirQualityParams } from '../components/datasets/sequential/timeseries/air-quality.ts';
import { loadEtth, etthSpec, type EtthParams } from '../components/datasets/sequential/timeseries/etth.ts';
import { loadPhysioNet, physioNetSpec, type PhysioNetParams } from '../components/datasets/sequential/timeseries/physionet.ts';
import { cyclicShift } from '../components/datasets/sequential/timeseries/series-set.ts';
import AjvModule from 'ajv';
import { createRegistry } from '../registry.ts';

const Ajv = AjvModule.default;

tf.setBackend('cpu');

// Fixtures written by test/fixtures/diffsda/make_fixtures.py (closed-form values, see its docstring).
const FIX = join(import.meta.dirname, 'fixtures', 'diffsda');
const AQ_FEATURES = ['PM2.5', 'PM10', 'SO2', 'NO2', 'CO', 'O3', 'TEMP', 'PRES', 'DEWP', 'WSPM'];
const airq = (over: Partial<AirQualityParams> = {}): AirQualityParams => ({
  path: join(FIX, 'airq'), split: 'train', features: AQ_FEATURES, steps: 60, train_years: [2013, 2014, 2015, 2017],
  test_years: [2016], shift_copies: 1, shift_window: 24, ...over,
});
const etth = (over: Partial<EtthParams> = {}): EtthParams => ({
  path: join(FIX, 'etth'), files: ['ETTh1.csv', 'ETTh2.csv'], split: 'train', features: ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL'],
  target: 'OT', steps: 60, train_years: [2017, 2018], test_years: [2016], shift_copies: 1, shift_window: 24, ...over,
});
const physio = (over: Partial<PhysioNetParams> = {}): PhysioNetParams => ({
  path: join(FIX, 'physionet'), set: 'set-a', outcomes: 'Outcomes-a.txt', split: 'train',
  features: ['DiasABP', 'GCS', 'HCT', 'MAP', 'NIDiasABP', 'NIMAP', 'NISysABP', 'RespRate', 'SysABP', 'Temp'],
  steps: 80, min_hours: 40, max_missing: 0.6, test_fraction: 0.2, shift_copies: 1, shift_window: 4, ...over,
});

const read = (t: tf.Tensor) => Array.from(t.dataSync());

// First 60 hours of a month: hours 0..23, 0..23, 0..11.
const HOURS = Array.from({ length: 60 }, (_, t) => t % 24);
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const popStd = (a: number[]) => Math.sqrt(mean(a.map((v) => v * v)) - mean(a) ** 2);

describe('AirQuality', () => {
  it('one sample per (year, month, station) with ≥ steps hours; training years only; labels month, station, year', () => {
    const ds = loadAirQuality(airq());
    // Aotizhongxin 2015-02 has 48 rows < 60 and is dropped; 2016 is the test year.
    expect(ds.size).toBe(3);
    const b = ds.batch([0, 1, 2]);
    expect(read(b.static)).toEqual([0, 0, 2015, 0, 1, 2015, 1, 1, 2015]);
    expect(b.x.shape).toEqual([3, 60, 10]);
    expect(ds.fingerprint().name).toBe('airq');
    expect(loadAirQuality(airq({ split: 'test' })).size).toBe(2);
  });

  it('z-scores with training statistics over observed entries: PM2.5 mean 1439/179, TEMP mean 10.3', () => {
    const ds = loadAirQuality(airq());
    // PM2.5 = 10·station + month: 59 observed 1s (one NA), 60 × 11, 60 × 12.
    expect(ds.stats.mean[0]).toBeCloseTo(1439 / 179, 5);
    expect(ds.stats.mean[6]).toBeCloseTo(mean(HOURS), 5);
    expect(ds.stats.std[6]).toBeCloseTo(popStd(HOURS), 4);
    // The test split is scaled with the same (training) statistics.
    const test = loadAirQuality(airq({ split: 'test' }));
    expect(Array.from(test.stats.mean)).toEqual(Array.from(ds.stats.mean));
    const x = read(ds.batch([1]).x);
    expect(x[6 * 10 + 6]).toBeCloseTo((6 - mean(HOURS)) / popStd(HOURS), 5); // Changping t = 6, TEMP = 6
  });

  it('marks the NA cell (Aotizhongxin 2015-01-02 05:00, PM2.5) missing: mask 0, value 0; per-step labels are day and rain', () => {
    const b = loadAirQuality(airq()).batch([0]);
    const mask = read(b.mask), x = read(b.x);
    expect(mask[29 * 10]).toBe(0);
    expect(x[29 * 10]).toBe(0);
    expect(mask.filter((m) => m === 0).length).toBe(1);
    const local = read(b.local);
    expect([local[3 * 2], local[3 * 2 + 1]]).toEqual([1, 0.5]);
    expect([local[27 * 2], local[27 * 2 + 1]]).toEqual([2, 0.5]);
    expect(read(b.length)).toEqual([60]);
  });

  it('cyclic-shift copies rotate signal, mask and labels together', () => {
    const ds = loadAirQuality(airq({ shift_copies: 2 }));
    expect(ds.size).toBe(6);
    const [plain, shifted] = [ds.batch([0]), ds.batch([1])];
    // Copy 1 starts a day later: its step 5 is the original step 29, the NA cell.
    expect(read(shifted.mask)[5 * 10]).toBe(0);
    expect(read(shifted.local)[0]).toBe(2);
    expect(read(shifted.local)[36 * 2]).toBe(1); // wraps to the original step 0
    expect(read(shifted.x)[36 * 10 + 6]).toBeCloseTo(read(plain.x)[6], 6);
  });

  it('names the missing files', () => {
    expect(() => loadAirQuality(airq({ path: join(FIX, 'etth') }))).toThrow(/PRSA_Data_/);
  });
});

describe('cyclicShift', () => {
  it('rotates only the valid steps and leaves padding in place', () => {
    const block = Float32Array.from([0, 1, 2, 3, 9, 9]);
    expect(Array.from(cyclicShift(block, 1, 4, 1))).toEqual([1, 2, 3, 0, 9, 9]);
    expect(Array.from(cyclicShift(block, 2, 3, -1))).toEqual([9, 9, 0, 1, 2, 3]);
  });
});

describe('ETTh', () => {
  it('months from the date column, never mixing files; OT labels aligned with the rows they came from', () => {
    const ds = loadEtth(etth());
    // 2017-01 of each file (2017-02 has 48 rows); 2016-12 is test.
    expect(ds.size).toBe(2);
    const b = ds.batch([0, 1]);
    expect(read(b.static)).toEqual([0, 0, 2017, 0, 1, 2017]);
    // HULL = file id: train mean 0.5, std 0.5, so one file's whole month is −1 and the other's +1.
    const x = read(b.x);
    for (let t = 0; t < 60; t++) {
      expect(x[t * 6 + 1]).toBeCloseTo(-1, 6);
      expect(x[(60 + t) * 6 + 1]).toBeCloseTo(1, 6);
    }
    // HUFL = day of month, and the raw OT in local = 100·file + hour at the same step.
    const local = read(b.local);
    expect(local.slice(60 * 2 + 26 * 2, 60 * 2 + 26 * 2 + 2)).toEqual([2, 102]);
    const ot = [...HOURS, ...HOURS.map((h) => 100 + h)];
    const target = read(b.target);
    expect(target[60 + 26]).toBeCloseTo((102 - mean(ot)) / popStd(ot), 5);
    expect(loadEtth(etth({ split: 'test' })).size).toBe(2);
  });

  it('reports a missing file with the path', () => {
    expect(() => loadEtth(etth({ files: ['ETTh3.csv'] }))).toThrow(/ETTh3\.csv/);
  });
});

describe('PhysioNet2012', () => {
  it('keeps stays with ≥ 40 h and ≤ 60 % missing, orders by id, test = first 20 %', () => {
    const all = loadPhysioNet(physio({ split: 'all' }));
    // 132542 (30 h) and 132543 (70 % missing) are dropped; 132546 has exactly 40 h.
    expect(read(all.batch([0, 1, 2, 3, 4, 5]).record)).toEqual([132539, 132540, 132541, 132544, 132545, 132546]);
    const test = loadPhysioNet(physio({ split: 'test' }));
    expect(test.size).toBe(1);
    expect(read(test.batch([0]).record)).toEqual([132539]);
    expect(loadPhysioNet(physio()).size).toBe(5);
  });

  it('hourly means, padding to 80 steps, ICUType static, mortality, cleaning rules', () => {
    const ds = loadPhysioNet(physio({ split: 'all' }));
    const b = ds.batch([0, 1]);
    expect(b.x.shape).toEqual([2, 80, 10]);
    expect(read(b.length)).toEqual([48, 44]);
    expect(read(b.static)).toEqual([3, 1]);
    expect(read(b.mortality)).toEqual([0, 1]);
    const raw0 = ds.records[0].values;
    // GCS (j = 1) in hour 7: readings 17 and 19.
    expect(raw0[7 * 10 + 1]).toBe(18);
    // DiasABP hour 0: the reading 0 is implausible (< 1) and dropped, leaving 2.
    expect(raw0[0]).toBe(2);
    // Temp hour 0: 96.8 °F is read as 36 °C, so the mean is 37.
    expect(raw0[0 * 10 + 9]).toBeCloseTo(37, 5);
    // 132540's DiasABP is the "not measured" code -1 in hour 1: missing.
    const mask = read(b.mask);
    expect(mask[80 * 10 + 1 * 10]).toBe(0);
    expect(mask[80 * 10 + 2 * 10]).toBe(1);
    // Padding past the stay is unobserved.
    expect(mask.slice(48 * 10, 80 * 10).every((m) => m === 0)).toBe(true);
    // MechVent recorded in hours 0..9 only.
    const local = read(b.local);
    expect(local[9]).toBe(1);
    expect(Number.isNaN(local[10])).toBe(true);
  });

  it('z-scores with the training stays only', () => {
    const train = loadPhysioNet(physio());
    // GCS (j = 1): hourly means 11 + h over each training stay's hours.
    const hours = [44, 46, 45, 47, 40];
    const gcs = hours.flatMap((n) => Array.from({ length: n }, (_, h) => 11 + h));
    expect(train.stats.mean[1]).toBeCloseTo(mean(gcs), 4);
    expect(train.stats.std[1]).toBeCloseTo(popStd(gcs), 3);
  });
});

describe('registration', () => {
  it('registers the three loaders', () => {
    const reg = createRegistry();
    expect(reg.get('untangle.datasets.AirQuality')).toBe(airQualitySpec);
    expect(reg.get('untangle.datasets.ETTh')).toBe(etthSpec);
    expect(reg.get('untangle.datasets.PhysioNet2012')).toBe(physioNetSpec);
  });

  it('schema defaults are the upstream\'s values and build a working set from the fixtures', () => {
    const ajv = new Ajv({ useDefaults: true, strict: false });
    const fill = (schema: Record<string, unknown>, params: Record<string, unknown>) => {
      const validate = ajv.compile(schema);
      expect(validate(params), JSON.stringify(validate.errors)).toBe(true);
      return params;
    };
    const ctx = { path: 'data', seed: 0, resolve: () => { throw new Error('no services'); }, instantiate: () => { throw new Error('no children'); } };
    const a = fill(airQualitySpec.schema, { path: join(FIX, 'airq'), steps: 60 });
    expect(a).toMatchObject({ features: AQ_FEATURES, train_years: [2013, 2014, 2015, 2017], test_years: [2016], shift_copies: 1 });
    expect((airQualitySpec.create(a as unknown as AirQualityParams, ctx)).size).toBe(3);
    const e = fill(etthSpec.schema, { path: join(FIX, 'etth'), steps: 60 });
    expect(e).toMatchObject({ files: ['ETTh1.csv', 'ETTh2.csv'], target: 'OT', train_years: [2017, 2018], test_years: [2016] });
    expect((etthSpec.create(e as unknown as EtthParams, ctx)).size).toBe(2);
    const p = fill(physioNetSpec.schema, { path: join(FIX, 'physionet') });
    expect(p).toMatchObject({ steps: 80, min_hours: 40, max_missing: 0.6, test_fraction: 0.2 });
    expect((physioNetSpec.create(p as unknown as PhysioNetParams, ctx)).size).toBe(5);
    expect(ajv.compile(airQualitySpec.schema)({})).toBe(false); // path is required
    expect(fill(airQualitySpec.schema, { path: 'x' }).steps).toBe(672);
  });
});
