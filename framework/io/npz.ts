/**
 * NumPy `.npz` files: a ZIP container of `.npy` members, stored or deflated (np.savez /
 * np.savez_compressed), with ZIP64 records for members over 4 GiB (numpy always allows ZIP64).
 *
 * Two ways in:
 *  - `readNpz(bytes)` / `writeNpz(arrays)` for small files held in memory;
 *  - `NpzFile.open(path)` for real data sets: it reads only the central directory, and
 *    `array(key)` gives a handle whose `readBytes` fetches a byte range of the array. Stored members
 *    are read straight from disk by offset (nothing is loaded). Deflated members, having no random
 *    access, are inflated once: into memory by default (up to 4 GiB, one Node buffer), or, given
 *    `extractDir`, into a `.npy` file there (any size; reused while its size matches), then read
 *    by offset like stored ones.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import { UntangleError } from '../util/errors.ts';
import { readRange } from './file-range.ts';
import { crc32 } from './crc32.ts';
import { inflateRangeToFile } from './inflate-to-file.ts';
import { npyElementCount, parseNpyHeader, readNpy, writeNpy, type NpyArray, type NpyData, type NpyHeader } from './npy.ts';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

/** One member of the container, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Random access to a byte source: a file on disk or bytes in memory. */
interface ByteSource {
  readonly size: number;
  read(position: number, length: number): Uint8Array;
}

class FileBytes implements ByteSource {
  readonly size: number;
  constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }
  read(position: number, length: number): Uint8Array {
    return readRange(this.fd, position, length);
  }
}

class MemoryBytes implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number { return this.bytes.length; }
  read(position: number, length: number): Uint8Array {
    if (position + length > this.bytes.length) throw new UntangleError('npz_truncated', 'unexpected end of data', { position, length, size: this.bytes.length });
    return this.bytes.subarray(position, position + length);
  }
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new UntangleError('npz_too_large', 'ZIP64 field exceeds 2^53', { value: v.toString() });
  return Number(v);
}

/** Read the central directory (handles ZIP64 end records and ZIP64 extra fields). */
function readDirectory(src: ByteSource, where: string): ZipEntry[] {
  const tailLen = Math.min(src.size, 22 + 0xffff);
  const tail = src.read(src.size - tailLen, tailLen);
  const tv = dv(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new UntangleError('npz_not_zip', 'not a ZIP/.npz file: no end-of-central-directory record', { file: where });
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  const locatorAt = src.size - tailLen + eocd - 20;
  if ((count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) && locatorAt >= 0) {
    const loc = dv(src.read(locatorAt, 20));
    if (loc.getUint32(0, true) === SIG_ZIP64_LOCATOR) {
      const z = dv(src.read(u64(loc, 8), 56));
      if (z.getUint32(0, true) !== SIG_ZIP64_EOCD) throw new UntangleError('npz_bad_zip64', 'ZIP64 end record not found where its locator points', { file: where });
      count = u64(z, 32);
      cdSize = u64(z, 40);
      cdOffset = u64(z, 48);
    }
  }
  const cd = src.read(cdOffset, cdSize);
  const cv = dv(cd);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (cv.getUint32(p, true) !== SIG_CENTRAL) throw new UntangleError('npz_bad_directory', 'corrupt central directory', { file: where, entry: k });
    const method = cv.getUint16(p + 10, true);
    const crc = cv.getUint32(p + 16, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let uncompressedSize = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    let localHeaderOffset = cv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra (id 1): the 64-bit values of whichever 32-bit fields are saturated, in this order.
    let e = p + 46 + nameLen;
    const end = e + extraLen;
    while (e + 4 <= end) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        if (uncompressedSize === 0xffffffff) { uncompressedSize = u64(cv, q); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(cv, q); q += 8; }
        if (localHeaderOffset === 0xffffffff) { localHeaderOffset = u64(cv, q); q += 8; }
      }
      e += 4 + len;
    }
    entries.push({ name, method, crc, compressedSize, uncompressedSize, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Offset of a member's first data byte (past its local header, whose extra may differ from the central one). */
function dataStart(src: ByteSource, entry: ZipEntry, where: string): number {
  const lh = dv(src.read(entry.localHeaderOffset, 30));
  if (lh.getUint32(0, true) !== SIG_LOCAL) throw new UntangleError('npz_bad_local_header', 'corrupt local file header', { file: where, member: entry.name });
  return entry.localHeaderOffset + 30 + lh.getUint16(26, true) + lh.getUint16(28, true);
}

function inflateMember(src: ByteSource, entry: ZipEntry, where: string): Uint8Array {
  const start = dataStart(src, entry, where);
  const raw = src.read(start, entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === METHOD_STORED) {
    out = raw;
  } else if (entry.method === METHOD_DEFLATE) {
    if (entry.uncompressedSize > bufferConstants.MAX_LENGTH) {
      throw new UntangleError('npz_member_too_large', `member '${entry.name}' inflates to more bytes than one Node buffer can hold`,
        { file: where, member: entry.name, uncompressedBytes: entry.uncompressedSize, maxBytes: bufferConstants.MAX_LENGTH },
        'give the data set an `extract_dir` to inflate it to disk once, or save it uncompressed (np.savez)');
    }
    // One output chunk of the known size: zlib then hands it back without concatenating copies
    // (peak memory 1× the array, not 2×; matters for the 3 GB dSprites `imgs`).
    const size = Math.max(64, entry.uncompressedSize);
    try {
      out = inflateRawSync(raw, { maxOutputLength: size, chunkSize: size });
    } catch (err) {
      throw new UntangleError('npz_inflate_failed', `member '${entry.name}' does not inflate to the ${entry.uncompressedSize} bytes the directory promises`, { file: where, member: entry.name, cause: String(err) }, 'the file is corrupt or truncated');
    }
  } else {
    throw new UntangleError('npz_unsupported_method', `ZIP compression method ${entry.method} is not supported`, { file: where, member: entry.name }, 'only stored (0) and deflate (8) members are supported, as numpy writes');
  }
  if (out.length !== entry.uncompressedSize) throw new UntangleError('npz_size_mismatch', 'member size differs from the directory', { file: where, member: entry.name, expected: entry.uncompressedSize, got: out.length });
  if (crc32(out) >>> 0 !== entry.crc >>> 0) throw new UntangleError('npz_crc_mismatch', `CRC-32 of member '${entry.name}' does not match: the file is corrupt`, { file: where, member: entry.name });
  return out;
}

/** Strip numpy's `.npy` suffix: np.savez(f, images=x) stores member `images.npy`, key `images`. */
function keyOf(name: string): string {
  return name.endsWith('.npy') ? name.slice(0, -4) : name;
}

/** A handle on one array of an npz: its header and random access to its data bytes. */
export interface NpzArray {
  readonly key: string;
  readonly header: NpyHeader;
  /** 'stored': read from the npz by offset; 'deflated': inflated into memory; 'extracted': inflated to a file, read by offset. */
  readonly storage: 'stored' | 'deflated' | 'extracted';
  /** `length` bytes of the array's data, starting `byteOffset` bytes past its first element. */
  readBytes(byteOffset: number, length: number): Uint8Array;
}

export class NpzFile {
  private readonly byKey = new Map<string, ZipEntry>();
  private readonly extraFds: number[] = [];

  private constructor(private readonly src: ByteSource, private readonly where: string, private readonly fd: number | null) {
    for (const e of readDirectory(src, where)) this.byKey.set(keyOf(e.name), e);
  }

  /** Open a file on disk; only its directory is read now. */
  static open(path: string): NpzFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new UntangleError('npz_open_failed', `cannot open '${path}'`, { path, cause: String(err) }, 'check the path in the data set params');
    }
    return new NpzFile(new FileBytes(fd), path, fd);
  }

  static fromBytes(bytes: Uint8Array, label = '<memory>'): NpzFile {
    return new NpzFile(new MemoryBytes(bytes), label, null);
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  private entry(key: string): ZipEntry {
    const e = this.byKey.get(key);
    if (e === undefined) throw new UntangleError('npz_missing_key', `key '${key}' not found in ${this.where}`, { file: this.where, key, keys: this.keys() });
    return e;
  }

  /** The whole array, decoded (for small arrays such as labels). */
  read(key: string): NpyArray {
    return readNpy(inflateMember(this.src, this.entry(key), this.where));
  }

  /** A handle for large arrays: stored members stay on disk, deflated ones are inflated once (see the file comment). */
  array(key: string, options: { extractDir?: string } = {}): NpzArray {
    const e = this.entry(key);
    if (e.method === METHOD_STORED) {
      return this.rangeArray(key, this.src, dataStart(this.src, e, this.where), e.uncompressedSize, 'stored');
    }
    if (options.extractDir !== undefined && this.fd !== null) {
      mkdirSync(options.extractDir, { recursive: true });
      // The member's CRC names the file, so a different archive never reuses it.
      const dest = resolve(join(options.extractDir, `${basename(this.where)}.${key}.${(e.crc >>> 0).toString(16).padStart(8, '0')}.npy`));
      if (!existsSync(dest) || statSync(dest).size !== e.uncompressedSize) {
        if (e.method !== METHOD_DEFLATE) throw new UntangleError('npz_unsupported_method', `ZIP compression method ${e.method} is not supported`, { file: this.where, member: e.name });
        inflateRangeToFile(this.where, dataStart(this.src, e, this.where), e.compressedSize, dest, { size: e.uncompressedSize, crc: e.crc });
      }
      const fd = openSync(dest, 'r');
      this.extraFds.push(fd);
      return this.rangeArray(key, new FileBytes(fd), 0, e.uncompressedSize, 'extracted');
    }
    const bytes = inflateMember(this.src, e, this.where);
    const header = parseNpyHeader(bytes);
    const data = bytes.subarray(header.dataOffset);
    return {
      key, header, storage: 'deflated',
      readBytes: (byteOffset, length) => data.subarray(byteOffset, byteOffset + length),
    };
  }

  /** An array whose .npy bytes (`size` of them) start at `start` in `src`. */
  private rangeArray(key: string, src: ByteSource, start: number, size: number, storage: 'stored' | 'extracted'): NpzArray {
    const header = parseNpyHeader(src.read(start, Math.min(size, 4096)));
    const dataAt = start + header.dataOffset;
    const dataBytes = npyElementCount(header.shape) * header.itemSize;
    if (header.dataOffset + dataBytes > size) throw new UntangleError('npz_truncated', `array '${key}' is shorter than its header says`, { file: this.where, key });
    return { key, header, storage, readBytes: (byteOffset, length) => src.read(dataAt + byteOffset, length) };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    for (const fd of this.extraFds.splice(0)) closeSync(fd);
  }
}

/** Decode every array of an in-memory npz. */
export function readNpz(bytes: Uint8Array): Record<string, NpyArray> {
  const f = NpzFile.fromBytes(bytes);
  const out: Record<string, NpyArray> = {};
  for (const k of f.keys()) out[k] = f.read(k);
  return out;
}

export interface NpzInput {
  data: NpyData;
  shape: number[];
  dtype?: string;
}

/**
 * Write arrays as an npz (members `<key>.npy`), stored like np.savez or deflated like
 * np.savez_compressed. No ZIP64: meant for test fixtures and small artefacts (< 4 GiB).
 */
export function writeNpz(arrays: Record<string, NpzInput>, options: { compress?: boolean } = {}): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  const enc = new TextEncoder();
  for (const [key, arr] of Object.entries(arrays)) {
    const payload = writeNpy(arr.data, arr.shape, arr.dtype);
    const body = options.compress ? deflateRawSync(payload) : payload;
    const method = options.compress ? METHOD_DEFLATE : METHOD_STORED;
    const crc = crc32(payload) >>> 0;
    const name = enc.encode(`${key}.npy`);
    if (offset + body.length > 0xfffffffe) throw new UntangleError('npz_too_large', 'writeNpz writes no ZIP64 records; keep the file under 4 GiB', { key });
    const lh = new Uint8Array(30 + name.length);
    const lv = dv(lh);
    lv.setUint32(0, SIG_LOCAL, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01, fixed so the bytes are reproducible
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, payload.length, true);
    lv.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const cv = dv(ch);
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, payload.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    ch.set(name, 46);
    locals.push(lh, body);
    centrals.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = centrals.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = dv(eocd);
  ev.setUint32(0, SIG_EOCD, true);
  ev.setUint16(8, centrals.length, true);
  ev.setUint16(10, centrals.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const part of [...locals, ...centrals, eocd]) { out.set(part, p); p += part.length; }
  return out;
}
