/**
 * MATLAB level-5 MAT-files (the format of Reed et al.'s Cars3D `car_*_mesh.mat`): numeric
 * matrices, plain or inside zlib-compressed elements (miCOMPRESSED, MATLAB 7's default). Data come
 * back column-major, as MATLAB stores them, with the dims MATLAB reports. Cell arrays, structs,
 * sparse and complex matrices are skipped (listed by `skipped`), since no data set needs them.
 * v7.3 files are HDF5, not level 5, and are refused with a hint.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { UntangleError } from '../util/errors.ts';

export type MatData = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

export interface MatArray {
  name: string;
  /** MATLAB class: 'uint8', 'double', … */
  className: string;
  dims: number[];
  /** Column-major (Fortran-order) values, in the type they were stored in. */
  data: MatData;
}

const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8',
  10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

function typedFrom(type: number, bytes: Uint8Array): MatData {
  const copy = new Uint8Array(bytes.length); // aligned and owned (a Buffer's slice() is a view)
  copy.set(bytes);
  const b = copy.buffer;
  switch (type) {
    case 1: return new Int8Array(b);
    case 2: return copy;
    case 3: return new Int16Array(b, 0, copy.length / 2);
    case 4: return new Uint16Array(b, 0, copy.length / 2);
    case 5: return new Int32Array(b, 0, copy.length / 4);
    case 6: return new Uint32Array(b, 0, copy.length / 4);
    case 7: return new Float32Array(b, 0, copy.length / 4);
    case 9: return new Float64Array(b, 0, copy.length / 8);
    case 12: return new BigInt64Array(b, 0, copy.length / 8);
    case 13: return new BigUint64Array(b, 0, copy.length / 8);
    default: throw new UntangleError('mat_unsupported_type', `unsupported MAT data type ${type}`, { type });
  }
}

interface Element { type: number; data: Uint8Array; next: number }

/** One data element at `pos` (8-byte tag or 4-byte small-element tag). */
function readElement(buf: Uint8Array, pos: number, pad: boolean): Element {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (pos + 8 > buf.length) throw new UntangleError('mat_truncated', 'MAT data ends inside an element tag', { position: pos });
  const first = v.getUint32(pos, true);
  if (first >>> 16 !== 0) {
    const nbytes = first >>> 16;
    return { type: first & 0xffff, data: buf.subarray(pos + 4, pos + 4 + nbytes), next: pos + 8 };
  }
  const nbytes = v.getUint32(pos + 4, true);
  const end = pos + 8 + nbytes;
  if (end > buf.length) throw new UntangleError('mat_truncated', 'MAT element is longer than the data', { position: pos, nbytes });
  return { type: first, data: buf.subarray(pos + 8, end), next: pad ? pos + 8 + Math.ceil(nbytes / 8) * 8 : end };
}

function parseMatrix(body: Uint8Array): MatArray | { skipped: string } {
  const flagsEl = readElement(body, 0, true);
  const fv = new DataView(flagsEl.data.buffer, flagsEl.data.byteOffset, flagsEl.data.byteLength);
  const flags = fv.getUint32(0, true);
  const cls = flags & 0xff;
  const complex = (flags & 0x800) !== 0;
  const dimsEl = readElement(body, flagsEl.next, true);
  const dv = new DataView(dimsEl.data.buffer, dimsEl.data.byteOffset, dimsEl.data.byteLength);
  const dims = Array.from({ length: dimsEl.data.length / 4 }, (_, i) => dv.getInt32(i * 4, true));
  const nameEl = readElement(body, dimsEl.next, true);
  const name = new TextDecoder().decode(nameEl.data);
  if (!NUMERIC_CLASSES.has(cls) || complex) return { skipped: `${name} (${CLASS_NAMES[cls] ?? cls}${complex ? ', complex' : ''})` };
  const realEl = readElement(body, nameEl.next, true);
  const data = typedFrom(realEl.type, realEl.data);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new UntangleError('mat_size_mismatch', `MAT variable '${name}' has ${data.length} values for dims [${dims.join(', ')}]`, { name, dims, values: data.length });
  return { name, className: CLASS_NAMES[cls], dims, data };
}

export interface MatFile {
  arrays: Map<string, MatArray>;
  skipped: string[];
}

export function readMat5(bytes: Uint8Array, where = '<memory>'): MatFile {
  if (bytes.length < 128) throw new UntangleError('mat_truncated', `${where} is too short to be a MAT-file`, { file: where, bytes: bytes.length });
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (head.startsWith('MATLAB 7.3') || (bytes[0] === 0x89 && bytes[1] === 0x48)) {
    throw new UntangleError('mat_v73', `${where} is a MATLAB v7.3 (HDF5) file`, { file: where }, 're-save it with `save -v7` or convert the data set to npz');
  }
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (endian !== 'IM') {
    throw new UntangleError('mat_not_level5', `${where} is not a little-endian level-5 MAT-file`, { file: where, endianIndicator: endian });
  }
  const arrays = new Map<string, MatArray>();
  const skipped: string[] = [];
  const visit = (buf: Uint8Array): void => {
    let pos = 0;
    while (pos + 8 <= buf.length) {
      const el = readElement(buf, pos, false);
      pos = el.next;
      if (el.type === MI_COMPRESSED) {
        visit(inflateSync(el.data));
      } else if (el.type === MI_MATRIX) {
        const m = parseMatrix(el.data);
        if ('skipped' in m) skipped.push(m.skipped); else arrays.set(m.name, m);
      }
    }
  };
  visit(bytes.subarray(128));
  return { arrays, skipped };
}

function tag(type: number, nbytes: number): Uint8Array {
  const t = new Uint8Array(8);
  const v = new DataView(t.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, nbytes, true);
  return t;
}

function padded(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + Math.ceil(data.length / 8) * 8);
  out.set(tag(type, data.length), 0);
  out.set(data, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * Write uint8 matrices as a level-5 MAT-file (what MATLAB's `save` writes for uint8 arrays):
 * `data` column-major. `compress` wraps each variable in miCOMPRESSED as MATLAB 7 does.
 */
export function writeMat5(vars: { name: string; dims: number[]; data: Uint8Array }[], options: { compress?: boolean } = {}): Uint8Array {
  const header = new Uint8Array(128).fill(0x20);
  const text = 'MATLAB 5.0 MAT-file, written by untangle';
  for (let i = 0; i < text.length; i++) header[i] = text.charCodeAt(i);
  header.fill(0, 116, 124);
  header[124] = 0x00; header[125] = 0x01; // version 0x0100, little-endian
  header[126] = 'I'.charCodeAt(0); header[127] = 'M'.charCodeAt(0);
  const parts: Uint8Array[] = [header];
  for (const v of vars) {
    const flags = new Uint8Array(8);
    new DataView(flags.buffer).setUint32(0, 9, true); // mxUINT8_CLASS
    const dims = new Uint8Array(v.dims.length * 4);
    v.dims.forEach((d, i) => new DataView(dims.buffer).setInt32(i * 4, d, true));
    const body = concat([padded(6, flags), padded(5, dims), padded(1, new TextEncoder().encode(v.name)), padded(2, v.data)]);
    const matrix = concat([tag(MI_MATRIX, body.length), body]);
    parts.push(options.compress ? (() => { const z = deflateSync(matrix); return concat([tag(MI_COMPRESSED, z.length), z]); })() : matrix);
  }
  return concat(parts);
}
