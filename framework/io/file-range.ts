/**
 * Positional reads and whole writes on file descriptors. `readSync`/`writeSync` may move fewer
 * bytes than asked; these loop until done, so callers never see a short read or write.
 */
import { readSync, writeSync } from 'node:fs';
import { UntangleError } from '../util/errors.ts';

/** `length` bytes of the file at `position`. */
export function readRange(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new UntangleError('file_truncated', 'unexpected end of file', { position: position + done, wanted: length - done });
    done += n;
  }
  return out;
}

/** Append all of `bytes` at the descriptor's current position. */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
