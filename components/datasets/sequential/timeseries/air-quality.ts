import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../../../../framework/registry/types.ts';
import { UntangleError } from '../../../../framework/util/errors.ts';
import { sha256 } from '../../../../framework/util/hash.ts';
import { parseCsv } from './csv-table.ts';
import { dayAndExtra, monthlyBlocks } from './monthly.ts';
import { observedStats, SeriesSet, windowShifts, type SeriesRecord } from './series-set.ts';

export interface AirQualityParams {
  path: string;
  split: 'train' | 'test' | 'all';
  features: string[];
  steps: number;
  train_years: number[];
  test_years: number[];
  shift_copies: number;
  shift_window: number;
}

const FILE = /^PRSA_Data_(.+)_\d{8}-\d{8}\.csv$/;

/**
 * The Beijing multi-site air-quality files as DiffSDA reads them: the `PRSA_Data_<Station>_
 * 20130301-20170228.csv` files of a directory, one sample per (year, month, station) made of the
 * month's first `steps` hours (months with fewer rows are dropped). `NA` cells are missing.
 * Features are z-scored with the statistics of the training years over observed entries.
 * static: [month − 1, station id (stations sorted by name), year]; the upstream's classifier reads
 * column 1 of (year, month, station), the month, although its README says station.
 * local: [day of month, RAIN] per step.
 */
export function loadAirQuality(p: AirQualityParams): SeriesSet {
  const files = readdirSync(p.path).filter((f) => FILE.test(f)).sort();
  if (files.length === 0) {
    throw new UntangleError('airq.files', `no PRSA_Data_<Station>_<from>-<to>.csv files in ${p.path}`, { path: p.path },
      'unzip the UCI "Beijing Multi-Site Air-Quality Data" archive into this directory');
  }
  const train: SeriesRecord[] = [], test: SeriesRecord[] = [];
  const hashes: string[] = [];
  files.forEach((f, station) => {
    const text = readFileSync(join(p.path, f), 'utf8');
    hashes.push(sha256(text));
    const table = parseCsv(text, f);
    const [y, m, d] = ['year', 'month', 'day'].map((c) => table.header.indexOf(c));
    if (y < 0 || m < 0 || d < 0) throw new UntangleError('airq.calendar', `${f} lacks year/month/day columns`, { header: table.header });
    const blocks = monthlyBlocks(table, f, p.features, ['RAIN'], p.steps, (r) => ({ year: Number(r[y]), month: Number(r[m]), day: Number(r[d]) }));
    for (const b of blocks) {
      const rec: SeriesRecord = {
        values: b.values, length: p.steps, static: [b.month - 1, station, b.year],
        perStep: { local: dayAndExtra(b, p.steps, 1) }, perSequence: {},
      };
      if (p.train_years.includes(b.year)) train.push(rec);
      else if (p.test_years.includes(b.year)) test.push(rec);
    }
  });
  const order = (a: SeriesRecord, b: SeriesRecord) => a.static[2] - b.static[2] || a.static[0] - b.static[0] || a.static[1] - b.static[1];
  train.sort(order);
  test.sort(order);
  const records = p.split === 'train' ? train : p.split === 'test' ? test : [...train, ...test].sort(order);
  const layout = { steps: p.steps, features: p.features, staticNames: ['month', 'station', 'year'], perStep: { local: 2 }, perSequence: {} };
  const digest = sha256(JSON.stringify({ files: hashes, p: { ...p, path: undefined, split: undefined } }));
  return new SeriesSet('airq', layout, records, observedStats(train, p.features.length), windowShifts(p.shift_copies, p.shift_window), digest, p.path);
}

export const airQualitySpec = defineComponent<AirQualityParams, SeriesSet>({
  target: 'untangle.datasets.AirQuality',
  kind: 'dataset',
  description: 'Beijing multi-site air quality: one 672-h sample per (year, month, station), NA-aware, training-year z-scores',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'directory holding the 12 PRSA_Data_<Station>_20130301-20170228.csv files' },
      split: { enum: ['train', 'test', 'all'], default: 'train' },
      features: { type: 'array', items: { type: 'string' }, minItems: 1,
        default: ['PM2.5', 'PM10', 'SO2', 'NO2', 'CO', 'O3', 'TEMP', 'PRES', 'DEWP', 'WSPM'] },
      steps: { type: 'integer', minimum: 1, default: 672 },
      train_years: { type: 'array', items: { type: 'integer' }, default: [2013, 2014, 2015, 2017] },
      test_years: { type: 'array', items: { type: 'integer' }, default: [2016] },
      shift_copies: { type: 'integer', minimum: 1, default: 1, description: 'copies of each sample rotated by whole windows (1 = no augmentation)' },
      shift_window: { type: 'integer', minimum: 1, default: 24 },
    },
  },
  create: (p) => loadAirQuality(p),
});
