import { UntangleError } from '../../../../framework/util/errors.ts';
import { numericCell, type CsvTable } from './csv-table.ts';

/** The rows of one calendar month of one file: the first `steps` of them, as a raw block. */
export interface MonthBlock {
  year: number;
  month: number;
  /** `[steps, F]` raw values (NaN = missing). */
  values: Float32Array;
  /** Day of month per step. */
  day: Float32Array;
  /** Extra numeric columns per step, `[steps, extra.length]`. */
  extra: Float32Array;
}

/** Calendar fields of a row. */
export type CalendarOf = (row: string[]) => { year: number; month: number; day: number };

/**
 * Cuts one file into months (consecutive rows sharing year and month) and keeps the first `steps`
 * rows of each month that has at least that many, as DiffSDA's monthly samples do (672 h = 28
 * days). Files are never mixed within a month (the upstream grouped ETTh1 and ETTh2 together, bug 4).
 */
export function monthlyBlocks(table: CsvTable, source: string, features: readonly string[], extra: readonly string[],
  steps: number, calendarOf: CalendarOf): MonthBlock[] {
  const col = (name: string): number => {
    const j = table.header.indexOf(name);
    if (j < 0) throw new UntangleError('monthly.column', `${source} has no column '${name}'`, { source, header: table.header });
    return j;
  };
  const fi = features.map(col), ei = extra.map(col);
  const cell = (r: string[], j: number, i: number): number => {
    const v = numericCell(r[j]);
    if (v === undefined) throw new UntangleError('monthly.cell', `${source} row ${i + 2} column '${table.header[j]}' is not numeric: '${r[j]}'`, { source });
    return v;
  };
  const out: MonthBlock[] = [];
  let start = 0;
  while (start < table.rows.length) {
    const c0 = calendarOf(table.rows[start]);
    let end = start;
    while (end < table.rows.length) {
      const c = calendarOf(table.rows[end]);
      if (c.year !== c0.year || c.month !== c0.month) break;
      end++;
    }
    if (end - start >= steps) {
      const F = features.length, E = extra.length;
      const values = new Float32Array(steps * F), day = new Float32Array(steps), ex = new Float32Array(steps * E);
      for (let t = 0; t < steps; t++) {
        const r = table.rows[start + t];
        fi.forEach((j, f) => { values[t * F + f] = cell(r, j, start + t); });
        ei.forEach((j, e) => { ex[t * E + e] = cell(r, j, start + t); });
        day[t] = calendarOf(r).day;
      }
      out.push({ year: c0.year, month: c0.month, values, day, extra: ex });
    }
    start = end;
  }
  return out;
}

/** Interleaves a day column and extra columns into a `[steps, 1 + E]` per-step label block. */
export function dayAndExtra(b: MonthBlock, steps: number, E: number): Float32Array {
  const out = new Float32Array(steps * (1 + E));
  for (let t = 0; t < steps; t++) {
    out[t * (1 + E)] = b.day[t];
    for (let e = 0; e < E; e++) out[t * (1 + E) + 1 + e] = b.extra[t * E + e];
  }
  return out;
}
