import { UntangleError } from '../../../../framework/util/errors.ts';

/** A parsed CSV: header names and rows of raw string cells. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** One CSV line into cells (double-quoted cells may hold commas; "" is a quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim());
}

export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new UntangleError('csv.empty', `${source} has no data rows`, { source });
  const header = splitCsvLine(lines[0]);
  const rows = lines.slice(1).map((l, i) => {
    const r = splitCsvLine(l);
    if (r.length !== header.length) {
      throw new UntangleError('csv.ragged', `${source} line ${i + 2} has ${r.length} cells, the header ${header.length}`, { source, line: i + 2 });
    }
    return r;
  });
  return { header, rows };
}

/** Missing-value spellings in ETT / UCI Beijing AirQuality files. */
const MISSING = new Set(['', 'NA', 'N/A', 'nan', 'NaN', 'null']);

/** A numeric cell, NaN when missing; undefined when the cell is not numeric at all (e.g. wind direction 'NW'). */
export function numericCell(cell: string): number | undefined {
  if (MISSING.has(cell)) return NaN;
  const v = Number(cell);
  return Number.isFinite(v) ? v : undefined;
}
