/**
 * Inflate a raw-DEFLATE byte range of one file into another file, synchronously.
 *
 * Node's synchronous zlib API inflates a whole input into one buffer (at most 4 GiB), and its
 * streaming API is asynchronous. Data sets are built synchronously, so a child Node process
 * streams the inflation (constant memory) while this process waits; this process then checks
 * the output's size and CRC-32 before moving it into place. Used for compressed npz members too
 * large for memory (e.g. a savez_compressed MPI3D, 12.7 GB of images).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { UntangleError } from '../util/errors.ts';
import { crc32 } from './crc32.ts';

// Plain CommonJS for `node -e`: argv = [src, start, compressedSize, tmp].
const CHILD = `
const fs = require('fs'), zlib = require('zlib'), { pipeline } = require('stream');
const [src, start, csize, tmp] = process.argv.slice(1);
const first = Number(start), n = Number(csize);
const input = n > 0 ? fs.createReadStream(src, { start: first, end: first + n - 1, highWaterMark: 1 << 22 }) : require('stream').Readable.from([]);
pipeline(input, zlib.createInflateRaw({ chunkSize: 1 << 22 }), fs.createWriteStream(tmp), (err) => {
  if (err) { process.stderr.write(String(err && err.message || err)); process.exit(2); }
});
`;

/** CRC-32 of a whole file, read in 16 MiB pieces. */
export function crc32File(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(16 << 20);
    let c = 0;
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return c;
      c = crc32(buf.subarray(0, n), c);
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

export function inflateRangeToFile(src: string, start: number, compressedSize: number, dest: string, expect: { size: number; crc: number }): void {
  const tmp = `${dest}.tmp-${process.pid}`;
  const run = spawnSync(process.execPath, ['-e', CHILD, src, String(start), String(compressedSize), tmp], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const fail = (message: string, context: Record<string, unknown>): never => {
    if (existsSync(tmp)) rmSync(tmp);
    throw new UntangleError('inflate_to_file_failed', message, { src, dest, ...context }, 'the compressed file may be corrupt or the disk full');
  };
  if (run.status !== 0) fail(`inflating ${src} failed`, { status: run.status, stderr: run.stderr?.trim(), error: run.error ? String(run.error) : undefined });
  const size = statSync(tmp).size;
  if (size !== expect.size) fail(`inflated ${size} bytes, expected ${expect.size}`, { size, expected: expect.size });
  const crc = crc32File(tmp);
  if (crc !== expect.crc >>> 0) fail('CRC-32 of the inflated data does not match the archive', { crc, expected: expect.crc >>> 0 });
  renameSync(tmp, dest);
}
