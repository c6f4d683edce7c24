/**
 * CRC-32 (the ZIP/PNG polynomial). Uses node:zlib's native `crc32` where the running Node has it
 * (20.15+, 22.2+) and a table-driven fallback elsewhere, since package.json promises Node ≥ 20.
 */
import * as zlib from 'node:zlib';

type Crc32Fn = (data: Uint8Array, value?: number) => number;

const native = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

let table: Uint32Array | null = null;

function fallback(data: Uint8Array, value = 0): number {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `data`, continuing from `value` (the CRC of the bytes before it). */
export function crc32(data: Uint8Array, value = 0): number {
  return (native !== undefined ? native(data, value) : fallback(data, value)) >>> 0;
}

/** Exposed for the test that pins the fallback to the native results. */
export const crc32Fallback = fallback;
