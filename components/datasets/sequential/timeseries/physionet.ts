import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineComponent } from '../../../../framework/registry/types.ts';
import { UntangleError } from '../../../../framework/util/errors.ts';
import { sha256 } from '../../../../framework/util/hash.ts';
import { parseCsv } from './csv-table.ts';
import { observedStats, SeriesSet, windowShifts, type SeriesRecord } from './series-set.ts';

export interface PhysioNetParams {
  path: string;
  set: string;
  outcomes: string;
  split: 'train' | 'test' | 'all';
  features: string[];
  steps: number;
  min_hours: number;
  max_missing: number;
  test_fraction: number;
  shift_copies: number;
  shift_window: number;
}

type Rule = (v: number) => number;
const below = (lim: number): Rule => (v) => (v < lim ? NaN : v);
const above = (lim: number): Rule => (v) => (v > lim ? NaN : v);

/**
 * Implausible-value rules for the vitals, as the upstream's preprocessing applies them, in order.
 * Temp is first moved between scales (values in (1, 10) are read as the upstream does, values in
 * (95, 113) as Fahrenheit), then bounded to 25–45 °C.
 */
const RULES: Record<string, Rule[]> = {
  DiasABP: [(v) => (v === -1 ? NaN : v), below(1), above(200)],
  SysABP: [below(1)], MAP: [below(1)], NIDiasABP: [below(1)], NISysABP: [below(1)], NIMAP: [below(1)],
  RespRate: [below(1)],
  Temp: [(v) => (v > 1 && v < 10 ? (v * 9) / 5 + 32 : v), (v) => (v > 95 && v < 113 ? ((v - 32) * 5) / 9 : v), below(25), above(45)],
};

function minutes(hhmm: string, source: string): number {
  const m = /^(\d+):(\d{2})$/.exec(hhmm);
  if (!m) throw new UntangleError('physionet.time', `${source}: time '${hhmm}' is not HH:MM`, { source });
  return Number(m[1]) * 60 + Number(m[2]);
}

interface Stay { id: number; icuType: number; hours: number; values: Float32Array; mechVent: Float32Array }

/** One `set-a/<id>.txt` file as hourly means (hour h = minutes [60h, 60h + 60) after admission). */
function readStay(text: string, source: string, features: readonly string[], steps: number): Stay {
  const t = parseCsv(text, source);
  const [ti, pi, vi] = ['Time', 'Parameter', 'Value'].map((c) => t.header.indexOf(c));
  if (ti < 0 || pi < 0 || vi < 0) throw new UntangleError('physionet.header', `${source}: header is not Time,Parameter,Value`, { header: t.header });
  const F = features.length;
  const sum = new Float64Array(steps * F), cnt = new Float64Array(steps * F);
  const mvSum = new Float64Array(steps), mvCnt = new Float64Array(steps);
  let id = NaN, icuType = NaN, lastHour = -1;
  for (const r of t.rows) {
    const param = r[pi], value = Number(r[vi]), min = minutes(r[ti], source);
    if (param === 'RecordID') { id = value; continue; }
    if (param === 'ICUType') { icuType = value; continue; }
    // Descriptors (Age, Gender, Height, Weight at 00:00) are not measurements of the stay.
    if (min === 0 && ['Age', 'Gender', 'Height', 'Weight'].includes(param)) continue;
    const h = Math.floor(min / 60);
    if (h >= steps) continue;
    lastHour = Math.max(lastHour, h);
    if (param === 'MechVent') { mvSum[h] += value; mvCnt[h]++; continue; }
    const f = features.indexOf(param);
    if (f < 0 || !Number.isFinite(value)) continue;
    let v = value;
    for (const rule of RULES[param] ?? []) v = rule(v);
    if (Number.isNaN(v)) continue;
    sum[h * F + f] += v;
    cnt[h * F + f]++;
  }
  if (!Number.isFinite(id)) throw new UntangleError('physionet.record', `${source} has no RecordID line`, { source });
  return {
    id, icuType, hours: lastHour + 1,
    values: Float32Array.from(sum, (s, i) => (cnt[i] > 0 ? s / cnt[i] : NaN)),
    mechVent: Float32Array.from(mvSum, (s, i) => (mvCnt[i] > 0 ? s / mvCnt[i] : NaN)),
  };
}

/**
 * PhysioNet/CinC 2012 as DiffSDA reads it: `<set>/<id>.txt` files of `Time,Parameter,Value` lines
 * (HH:MM since admission) and `Outcomes-a.txt`. Each stay becomes hourly means of `features` over
 * at most `steps` hours, padded to `steps`; stays shorter than `min_hours` or with more than
 * `max_missing` of their hour × feature cells missing are dropped. Records are ordered by id and
 * the first `test_fraction` of the kept ones are the test split; z-scores use the training stays.
 * static: [ICUType − 1]; mortality: [In-hospital_death]; local: [hourly MechVent] (NaN = none).
 */
export function loadPhysioNet(p: PhysioNetParams): SeriesSet {
  const dir = join(p.path, p.set);
  let names: string[];
  try { names = readdirSync(dir).filter((f) => /^\d+\.txt$/.test(f)); } catch (e) {
    throw new UntangleError('physionet.dir', `cannot list ${dir}`, { dir, cause: String(e) }, 'unpack set-a.tar.gz from PhysioNet Challenge 2012 into path');
  }
  const outText = readFileSync(join(p.path, p.outcomes), 'utf8');
  const outcomes = parseCsv(outText, p.outcomes);
  const oi = outcomes.header.indexOf('RecordID'), di = outcomes.header.indexOf('In-hospital_death');
  if (oi < 0 || di < 0) throw new UntangleError('physionet.outcomes', `${p.outcomes} lacks RecordID / In-hospital_death`, { header: outcomes.header });
  const death = new Map(outcomes.rows.map((r) => [Number(r[oi]), Number(r[di])]));
  const F = p.features.length;
  const hashes: string[] = [sha256(outText)];
  const kept: SeriesRecord[] = [];
  const stays = names.map((f) => {
    const text = readFileSync(join(dir, f), 'utf8');
    hashes.push(sha256(text));
    return readStay(text, f, p.features, p.steps);
  }).sort((a, b) => a.id - b.id);
  for (const s of stays) {
    if (s.hours < p.min_hours) continue;
    let missing = 0;
    for (let i = 0; i < s.hours * F; i++) if (Number.isNaN(s.values[i])) missing++;
    if (missing / (s.hours * F) > p.max_missing) continue;
    const y = death.get(s.id);
    if (y === undefined) throw new UntangleError('physionet.outcome', `record ${s.id} has no line in ${p.outcomes}`, { record: s.id });
    kept.push({ values: s.values, length: s.hours, static: [s.icuType - 1], perStep: { local: s.mechVent }, perSequence: { mortality: [y], record: [s.id] } });
  }
  const nTest = Math.floor(p.test_fraction * kept.length);
  const test = kept.slice(0, nTest), train = kept.slice(nTest);
  const records = p.split === 'train' ? train : p.split === 'test' ? test : kept;
  const layout = { steps: p.steps, features: p.features, staticNames: ['icu_type'], perStep: { local: 1 }, perSequence: { mortality: 1, record: 1 } };
  const digest = sha256(JSON.stringify({ files: hashes.sort(), p: { ...p, path: undefined, split: undefined } }));
  return new SeriesSet('physionet2012', layout, records, observedStats(train, F), windowShifts(p.shift_copies, p.shift_window), digest, p.path);
}

export const physioNetSpec = defineComponent<PhysioNetParams, SeriesSet>({
  target: 'untangle.datasets.PhysioNet2012',
  kind: 'dataset',
  description: 'PhysioNet 2012 ICU stays: hourly means of 10 vitals, padded to 80 h, ICUType static, mortality label',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', description: 'directory holding set-a/ and Outcomes-a.txt' },
      set: { type: 'string', default: 'set-a' },
      outcomes: { type: 'string', default: 'Outcomes-a.txt' },
      split: { enum: ['train', 'test', 'all'], default: 'train' },
      features: { type: 'array', items: { type: 'string' }, minItems: 1,
        default: ['DiasABP', 'GCS', 'HCT', 'MAP', 'NIDiasABP', 'NIMAP', 'NISysABP', 'RespRate', 'SysABP', 'Temp'] },
      steps: { type: 'integer', minimum: 1, default: 80 },
      min_hours: { type: 'integer', minimum: 1, default: 40 },
      max_missing: { type: 'number', minimum: 0, maximum: 1, default: 0.6 },
      test_fraction: { type: 'number', minimum: 0, maximum: 1, default: 0.2 },
      shift_copies: { type: 'integer', minimum: 1, default: 1, description: 'copies of each stay rotated by whole windows (1 = no augmentation)' },
      shift_window: { type: 'integer', minimum: 1, default: 4 },
    },
  },
  create: (p) => loadPhysioNet(p),
});
