/**
 * NumPy `.npy` (format 1.0, 2.0 and 3.0) reader and writer.
 *
 * The array API is the one the metrics branch uses (`readNpy`, `writeNpy`); on top of it this file
 * exports the header parser on its own (`parseNpyHeader`), because the data set loaders read huge
 * arrays straight from disk by byte offset and must not pull them into memory.
 */
import { UntangleError } from '../util/errors.ts';

export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'uint8' | 'int64' | 'bool';

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: NpyData;
}

/** What an `.npy` header says, and where the data starts. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the first data byte from the start of the .npy bytes. */
  dataOffset: number;
  /** Bytes per element. */
  itemSize: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy descr strings (little-endian or byte-order-free) for each supported dtype. */
const DESCR_TO_DTYPE: Record<string, NpyDtype> = {
  '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '|u1': 'uint8', '<u1': 'uint8',
  '<i8': 'int64', '|b1': 'bool', '<b1': 'bool',
};
const DTYPE_TO_DESCR: Record<NpyDtype, string> = {
  float32: '<f4', float64: '<f8', int32: '<i4', uint8: '|u1', int64: '<i8', bool: '|b1',
};
const ITEM_SIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, uint8: 1, int64: 8, bool: 1 };

/**
 * Parse the header of `.npy` bytes. `buf` needs to hold only the header (the first few hundred
 * bytes are enough for any array untangle writes; real files' headers are under 4 KiB).
 */
export function parseNpyHeader(buf: Uint8Array): NpyHeader {
  for (let i = 0; i < MAGIC.length; i++) {
    if (buf[i] !== MAGIC[i]) throw new UntangleError('npy_bad_magic', 'not a .npy file: the magic string \\x93NUMPY is missing', { firstBytes: Array.from(buf.subarray(0, 6)) });
  }
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new UntangleError('npy_bad_version', `unsupported .npy format version ${major}.${buf[7]}`, { major, minor: buf[7] }, 'versions 1.0, 2.0 and 3.0 are supported');
  }
  if (buf.length < start + headerLen) {
    throw new UntangleError('npy_truncated', '.npy header is longer than the bytes given', { headerLen, available: buf.length - start });
  }
  // v3 headers are utf-8, v1/v2 latin-1; untangle's dict keys are ASCII either way.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new UntangleError('npy_bad_header', 'could not parse the .npy header dict', { header: text.trim() });
  }
  const dtype = DESCR_TO_DTYPE[descr];
  if (dtype === undefined) {
    throw new UntangleError('npy_unsupported_dtype', `unsupported .npy dtype '${descr}'`, { descr }, `supported: ${Object.keys(DESCR_TO_DTYPE).join(', ')} (little-endian)`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new UntangleError('npy_bad_header', 'bad shape in .npy header', { header: text.trim() });
  return { dtype, shape, fortranOrder: fortran === 'True', dataOffset: start + headerLen, itemSize: ITEM_SIZE[dtype] };
}

export function npyElementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Read a whole `.npy` array. Fortran-ordered arrays are transposed into C order. */
export function readNpy(buf: Uint8Array): NpyArray {
  const h = parseNpyHeader(buf);
  const count = npyElementCount(h.shape);
  const bytes = count * h.itemSize;
  if (buf.length < h.dataOffset + bytes) {
    throw new UntangleError('npy_truncated', '.npy data is shorter than its header says', { expectedBytes: bytes, available: buf.length - h.dataOffset, shape: h.shape, dtype: h.dtype });
  }
  // Copy so the typed array is aligned and does not alias the caller's buffer. (Not `buf.slice`:
  // on a Node Buffer that is a view into a shared pool, and `.buffer` would start elsewhere.)
  const raw = new Uint8Array(bytes);
  raw.set(buf.subarray(h.dataOffset, h.dataOffset + bytes));
  let data: NpyData;
  switch (h.dtype) {
    case 'float32': data = new Float32Array(raw.buffer, 0, count); break;
    case 'float64': data = new Float64Array(raw.buffer, 0, count); break;
    case 'int32': data = new Int32Array(raw.buffer, 0, count); break;
    case 'int64': data = new BigInt64Array(raw.buffer, 0, count); break;
    case 'uint8': case 'bool': data = raw; break;
  }
  if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
  return { dtype: h.dtype, shape: h.shape, data };
}

/** Reorder a column-major array into row-major order. */
export function fortranToC<T extends NpyData>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const nd = shape.length;
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) { fStride[d] = s; s *= shape[d]; }
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d] * fStride[d];
    (out as unknown as ArrayLike<unknown> & Record<number, unknown>)[c] = (data as unknown as ArrayLike<unknown>)[f];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function inferDtype(arr: NpyData): NpyDtype {
  if (arr instanceof Float32Array) return 'float32';
  if (arr instanceof Float64Array) return 'float64';
  if (arr instanceof Int32Array) return 'int32';
  if (arr instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

/** The header bytes (magic, version, length, padded dict) for an array of this dtype and shape. */
export function npyHeaderBytes(shape: readonly number[], dtype: NpyDtype): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DTYPE_TO_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads the header with spaces and a final newline so the data starts 64-byte aligned.
  let version = 1;
  let prefix = 10;
  if (dict.length + 1 + prefix > 0xffff) { version = 2; prefix = 12; }
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const headerLen = total - prefix;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLen, true); else view.setUint32(8, headerLen, true);
  const padded = dict.padEnd(headerLen - 1, ' ') + '\n';
  for (let i = 0; i < padded.length; i++) out[prefix + i] = padded.charCodeAt(i);
  return out;
}

/** Serialise a C-order array. `dtype` defaults to the typed array's own type; 'bool' needs a Uint8Array. */
export function writeNpy(arr: NpyData, shape: readonly number[], dtype?: string): Uint8Array {
  const dt = (dtype ?? inferDtype(arr)) as NpyDtype;
  if (!(dt in DTYPE_TO_DESCR)) throw new UntangleError('npy_unsupported_dtype', `cannot write dtype '${dtype}'`, { dtype }, `supported: ${Object.keys(DTYPE_TO_DESCR).join(', ')}`);
  if (npyElementCount(shape) !== arr.length) {
    throw new UntangleError('npy_shape_mismatch', 'array length does not match shape', { length: arr.length, shape });
  }
  if (inferDtype(arr) !== (dt === 'bool' ? 'uint8' : dt)) {
    throw new UntangleError('npy_dtype_mismatch', `typed array ${arr.constructor.name} cannot be written as ${dt}`, { dtype: dt });
  }
  const header = npyHeaderBytes(shape, dt);
  const body = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}
