import { readFileSync } from 'node:fs';
import { UntangleError } from '../util/errors.ts';

/**
 * The safetensors container (8-byte little-endian header length, a JSON header, raw little-endian
 * data), so checkpoints open in Python with `safetensors.numpy.load_file` as well as here.
 */
export type TensorData = Float32Array | Int32Array;

export interface NamedArray {
  data: TensorData;
  shape: number[];
}

const DTYPE_OF = (d: TensorData): 'F32' | 'I32' => (d instanceof Float32Array ? 'F32' : 'I32');

export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = t.data.byteLength;
    header[name] = { dtype: DTYPE_OF(t.data), shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors.get(name)!;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new UntangleError('checkpoint-corrupt', `${source} is too short to be a safetensors file`, { source });
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) throw new UntangleError('checkpoint-corrupt', `${source}: header length ${n} exceeds the file`, { source });
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<string, unknown>;
  const base = 8 + n;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const [b, f] = e.data_offsets;
    const raw = bytes.slice(base + b, base + f);
    let data: TensorData;
    if (e.dtype === 'F32') data = new Float32Array(raw.buffer, raw.byteOffset, (f - b) / 4);
    else if (e.dtype === 'I32') data = new Int32Array(raw.buffer, raw.byteOffset, (f - b) / 4);
    else throw new UntangleError('checkpoint-dtype', `${source}: tensor '${name}' has dtype ${e.dtype}; untangle reads F32 and I32`, { source, name });
    tensors.set(name, { data, shape: e.shape });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  return decodeSafetensors(new Uint8Array(readFileSync(path)), path);
}
