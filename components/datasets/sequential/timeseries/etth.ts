import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../../../../framework/registry/types.ts';
import { UntangleError } from '../../../../framework/util/errors.ts';
import { sha256 } from '../../../../framework/util/hash.ts';
import { parseCsv } from './csv-table.ts';
import { dayAndExtra, monthlyBlocks } from './monthly.ts';
import { observedStats, SeriesSet, windowShifts, type SeriesRecord } from './series-set.ts';

export interface EtthParams {
  path: string;
  files: string[];
  split: 'train' | 'test' | 'all';
  features: string[];
  target: string;
  steps: number;
  train_years: number[];
  test_years: number[];
  shift_copies: number;
  shift_window: number;
}

const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})/;

/**
 * ETT-h (`ETTh1.csv`, `ETTh2.csv`: `date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT`) as DiffSDA's monthly
 * samples: each file is cut into months by its `date` column (the raw files have no year/month
 * columns, which the upstream loader assumed, bug 4) and each month of each file gives one sample
 * of its first `steps` hours; files are never mixed within a month. The OT labels are read from
 * the same rows as the signal, so they stay aligned with it.
 * static: [month − 1, file id, year]; local: [day of month, raw OT]; target: OT z-scored with the
 * training years' statistics, the quantity the OT predictor's MAE is measured on.
 */
export function loadEtth(p: EtthParams): SeriesSet {
  const train: SeriesRecord[] = [], test: SeriesRecord[] = [];
  const hashes: string[] = [];
  p.files.forEach((f, fileId) => {
    let text: string;
    try { text = readFileSync(join(p.path, f), 'utf8'); } catch (e) {
      throw new UntangleError('etth.file', `cannot read ${join(p.path, f)}`, { path: p.path, file: f, cause: String(e) }, 'download ETTh1.csv and ETTh2.csv from the ETDataset repository into this directory');
    }
    hashes.push(sha256(text));
    const table = parseCsv(text, f);
    const di = table.header.indexOf('date');
    if (di < 0) throw new UntangleError('etth.date', `${f} has no 'date' column`, { header: table.header });
    const calendar = (r: string[]) => {
      const m = DATE.exec(r[di]);
      if (!m) throw new UntangleError('etth.date', `${f}: cannot read the date '${r[di]}'`, { file: f });
      return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
    };
    for (const b of monthlyBlocks(table, f, p.features, [p.target], p.steps, calendar)) {
      const rec: SeriesRecord = {
        values: b.values, length: p.steps, static: [b.month - 1, fileId, b.year],
        perStep: { local: dayAndExtra(b, p.steps, 1), target: Float32Array.from(b.extra) }, perSequence: {},
      };
      if (p.train_years.includes(b.year)) train.push(rec);
      else if (p.test_years.includes(b.year)) test.push(rec);
    }
  });
  // The target is scaled with the training rows' OT statistics, like the features.
  const ot = observedStats(train.map((r) => ({ ...r, values: r.perStep.target })), 1);
  const scale = (rs: SeriesRecord[]) => rs.map((r) => ({
    ...r, perStep: { ...r.perStep, target: Float32Array.from(r.perStep.target, (v) => (v - ot.mean[0]) / ot.std[0]) },
  }));
  const records = p.split === 'train' ? scale(train) : p.split === 'test' ? scale(test) : scale([...train, ...test]);
  const layout = { steps: p.steps, features: p.features, staticNames: ['month', 'file', 'year'], perStep: { local: 2, target: 1 }, perSequence: {} };
  const digest = sha256(JSON.stringify({ files: hashes, p: { ...p, path: undefined, split: undefined } }));
  const set = new SeriesSet('etth', layout, records, observedStats(train, p.features.length), windowShifts(p.shift_copies, p.shift_window), digest, p.path);
  return Object.assign(set, { targetStats: { mean: ot.mean[0], std: ot.std[0] } });
}

export const etthSpec = defineComponent<EtthParams, SeriesSet>({
  target: 'untangle.datasets.ETTh',
  kind: 'dataset',
  description: 'ETT-h transformer loads: one 672-h sample per (file, year, month), OT as aligned target, training-year z-scores',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'directory holding ETTh1.csv and ETTh2.csv' },
      files: { type: 'array', items: { type: 'string' }, minItems: 1, default: ['ETTh1.csv', 'ETTh2.csv'] },
      split: { enum: ['train', 'test', 'all'], default: 'train' },
      features: { type: 'array', items: { type: 'string' }, minItems: 1, default: ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL'] },
      target: { type: 'string', default: 'OT' },
      steps: { type: 'integer', minimum: 1, default: 672 },
      train_years: { type: 'array', items: { type: 'integer' }, default: [2017, 2018] },
      test_years: { type: 'array', items: { type: 'integer' }, default: [2016] },
      shift_copies: { type: 'integer', minimum: 1, default: 1, description: 'copies of each sample rotated by whole windows (1 = no augmentation)' },
      shift_window: { type: 'integer', minimum: 1, default: 24 },
    },
  },
  create: (p) => loadEtth(p),
});
