/**
 * Reading MLflow FileStore metric files (`metrics/<key>`), one point per line:
 * `<timestamp_ms> <value> <step>` (older writers: `<timestamp> <value>`, step 0; newer: two
 * extra dataset fields). Values are whatever the writer's float printing gave: Python writes
 * `nan`, `inf`, `-inf`; JavaScript writes `NaN`, `Infinity`; both must read back.
 *
 * Reads are by byte offset so a replay can resume exactly where the server last confirmed, and
 * only complete lines count: a writer appending right now may have left half a line.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UntangleError } from '../../util/errors.ts';
import type { MetricPoint } from '../types.ts';

export function parseMetricValue(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  const n = Number(t);
  if (t === '' || Number.isNaN(n)) throw new Error(`not a number: '${s}'`);
  return n;
}

export interface OffsetPoint {
  point: MetricPoint;
  /** Byte offset just after this point's line. */
  end: number;
}

export interface MetricSlice {
  points: OffsetPoint[];
  /** Offset after the last complete line read (== from when nothing new). */
  end: number;
}

/** Parse complete lines of `path` in the byte range [from, to) (to = end of file by default). */
export function readMetricSlice(path: string, key: string, from: number, to?: number): MetricSlice {
  const fd = openSync(path, 'r');
  let buf: Buffer;
  try {
    const size = fstatSync(fd).size;
    const stop = Math.min(to ?? size, size);
    if (stop <= from) return { points: [], end: from };
    buf = Buffer.alloc(stop - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    buf = buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
  const points: OffsetPoint[] = [];
  let lineStart = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, lineStart);
    if (nl < 0) break;
    const line = buf.toString('utf8', lineStart, nl).trim();
    if (line.length > 0) points.push({ point: parseMetricLine(line, key, path), end: from + nl + 1 });
    lineStart = nl + 1;
  }
  return { points, end: from + lineStart };
}

export function parseMetricLine(line: string, key: string, path: string): MetricPoint {
  const parts = line.split(' ');
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) {
    throw new UntangleError('LOCAL_METRIC_MALFORMED', `metric file line has ${parts.length} fields, expected 2, 3 or 5`, { path, line });
  }
  try {
    const timestamp = Number(parts[0]);
    const step = parts.length >= 3 ? Number(parts[2]) : 0;
    if (!Number.isInteger(timestamp) || !Number.isInteger(step)) throw new Error('timestamp and step must be integers');
    return { key, value: parseMetricValue(parts[1]), step, timestamp };
  } catch (e) {
    throw new UntangleError('LOCAL_METRIC_MALFORMED', `cannot parse metric line: ${(e as Error).message}`, { path, line });
  }
}
