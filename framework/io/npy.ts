import { UntangleError } from '../util/errors.ts';

/**
 * A minimal reader/writer for NumPy's `.npy` format (versions 1.0, 2.0 and 3.0 headers),
 * little-endian, C order, for the dtypes untangle exchanges: float32, float64, int32, uint8, int64.
 * Layout: magic `\x93NUMPY`, major/minor version, header length (uint16 for v1, uint32 for v2/3),
 * an ASCII Python-dict header padded with spaces to a multiple of 64 bytes and ending in '\n',
 * then the raw data.
 */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'uint8' | 'int64';
export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: NpyData;
}

const DESCR: Record<NpyDtype, string> = {
  float32: '<f4', float64: '<f8', int32: '<i4', uint8: '|u1', int64: '<i8',
};
const FROM_DESCR: Record<string, NpyDtype> = {
  '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '|u1': 'uint8', '<u1': 'uint8', '<i8': 'int64',
};
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function readNpy(buf: Uint8Array): NpyArray {
  for (let i = 0; i < MAGIC.length; i++) {
    if (buf[i] !== MAGIC[i]) throw new UntangleError('npy.bad_magic', 'not a .npy file (missing \\x93NUMPY magic)', { bytes: buf.length });
  }
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new UntangleError('npy.version', `unsupported .npy format version ${major}.${buf[7]}`, { major, minor: buf[7] });
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new UntangleError('npy.bad_header', 'could not parse the .npy header', { header: header.trim() });
  }
  const dtype = FROM_DESCR[descr];
  if (!dtype) {
    throw new UntangleError('npy.dtype', `unsupported .npy dtype ${descr}`, { descr },
      'save as float32, float64, int32, uint8 or int64, little-endian (e.g. arr.astype("<f4"))');
  }
  if (fortran === 'True') {
    throw new UntangleError('npy.fortran_order', '.npy arrays in Fortran order are not supported', { descr },
      'save with np.save(path, np.ascontiguousarray(arr))');
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new UntangleError('npy.bad_header', 'bad shape in .npy header', { shape: shapeText });
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const bytes = count * BYTES[dtype];
  if (buf.length < dataStart + bytes) {
    throw new UntangleError('npy.truncated', '.npy file is shorter than its header says', { expected_bytes: dataStart + bytes, bytes: buf.length });
  }
  // Copy so the typed array is aligned whatever the header length or the source buffer's offset.
  const raw = buf.slice(dataStart, dataStart + bytes).buffer;
  return { dtype, shape, data: makeArray(dtype, raw, count) };
}

const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, uint8: 1, int64: 8 };

function makeArray(dtype: NpyDtype, raw: ArrayBuffer, count: number): NpyData {
  switch (dtype) {
    case 'float32': return new Float32Array(raw, 0, count);
    case 'float64': return new Float64Array(raw, 0, count);
    case 'int32': return new Int32Array(raw, 0, count);
    case 'uint8': return new Uint8Array(raw, 0, count);
    case 'int64': return new BigInt64Array(raw, 0, count);
  }
}

function dtypeOf(arr: NpyData): NpyDtype {
  if (arr instanceof Float32Array) return 'float32';
  if (arr instanceof Float64Array) return 'float64';
  if (arr instanceof Int32Array) return 'int32';
  if (arr instanceof Uint8Array) return 'uint8';
  return 'int64';
}

/**
 * Serialises a C-order array. `dtype`, when given, must match the array's element type (this
 * writer stores bytes as they are, it does not convert).
 */
export function writeNpy(arr: NpyData, shape: readonly number[], dtype?: NpyDtype): Uint8Array {
  const actual = dtypeOf(arr);
  if (dtype !== undefined && dtype !== actual) {
    throw new UntangleError('npy.dtype_mismatch', `writeNpy: array is ${actual} but dtype ${dtype} was requested`, { actual, dtype });
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== arr.length) {
    throw new UntangleError('npy.shape_mismatch', 'writeNpy: shape does not match the number of elements', { shape, length: arr.length });
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const base = `{'descr': '${DESCR[actual]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const padded = (prefix: number): string => base + ' '.repeat((64 - ((prefix + base.length + 1) % 64)) % 64) + '\n';
  // Version 1.0 unless the header outgrows its uint16 length field.
  const v1 = padded(10).length <= 0xffff;
  const prefix = v1 ? 10 : 12;
  const dict = padded(prefix);
  const headerBytes = new TextEncoder().encode(dict);
  const out = new Uint8Array(prefix + headerBytes.length + arr.byteLength);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (v1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), prefix + headerBytes.length);
  return out;
}
