/**
 * Data set fingerprints (what a run records as its dataset input).
 *
 *  - Procedural sets: sha256 of canonical JSON {generator version, params, probe}, where probe is
 *    the sha256 of a fixed set of rendered images (64 indices spread evenly over the grid, plus the
 *    last). Changing the renderer's output, its version string or any param changes the digest,
 *    without rendering the whole grid.
 *  - File sets: sha256 of the file's bytes (several files: sha256 of the sorted
 *    `basename sha256` lines). Hashing streams the file in 16 MiB pieces.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { canonicalJson, sha256 } from '../../framework/util/hash.ts';
import { UntangleError } from '../../framework/util/errors.ts';
import { gatherUint8, type ImageSource } from './image-source.ts';
import type { DatasetFingerprint } from '../../framework/contracts/index.ts';

export const PROBE_COUNT = 64;

/** The fixed probe: PROBE_COUNT indices spread evenly over [0, count), plus the last index. */
export function probeIndices(count: number): number[] {
  const out = new Set<number>();
  for (let k = 0; k < PROBE_COUNT; k++) out.add(Math.floor((k * count) / PROBE_COUNT));
  out.add(count - 1);
  return [...out];
}

export function proceduralDigest(generator: string, params: Record<string, unknown>, source: ImageSource): string {
  const probe = sha256(gatherUint8(source, probeIndices(source.count)));
  return sha256(canonicalJson({ generator, params, probe }));
}

/** Streaming sha256 of a file on disk. */
export function sha256FileStreaming(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new UntangleError('dataset_file_unreadable', `cannot read '${path}' to fingerprint it`, { path, cause: String(err) });
  }
  try {
    const h = createHash('sha256');
    const buf = new Uint8Array(16 << 20);
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

export function fileFingerprint(name: string, paths: readonly string[]): DatasetFingerprint {
  const abs = paths.map((p) => resolve(p));
  if (abs.length === 1) return { name, digest: sha256FileStreaming(abs[0]), source: abs[0] };
  const lines = abs.map((p) => `${basename(p)} ${sha256FileStreaming(p)}`).sort();
  const dir = abs.length > 0 ? resolve(abs[0], '..') : '';
  return { name, digest: sha256(lines.join('\n')), source: dir };
}
