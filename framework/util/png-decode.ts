import { inflateSync } from 'node:zlib';
import { UntangleError } from './errors.ts';

export interface DecodedPng {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** Row-major, channels interleaved. */
  pixels: Uint8Array;
}

const CHANNELS: Record<number, 1 | 3 | 4> = { 0: 1, 2: 3, 6: 4 };

/**
 * A minimal PNG decoder: 8-bit greyscale, RGB or RGBA, not interlaced, all five row filters
 * (what PIL, OpenCV and matplotlib write for the data sets untangle reads).
 */
export function decodePng(bytes: Uint8Array, source = '<bytes>'): DecodedPng {
  const fail = (why: string) => new UntangleError('png.decode', `cannot decode ${source}: ${why}`, { source });
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 8 || sig.some((b, i) => bytes[i] !== b)) throw fail('not a PNG file');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, channels: 1 | 3 | 4 = 3;
  const idat: Uint8Array[] = [];
  for (let p = 8; p + 8 <= bytes.length;) {
    const len = dv.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    const data = bytes.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(p + 8);
      height = dv.getUint32(p + 12);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || !(colour in CHANNELS) || interlace !== 0) throw fail(`unsupported format (bit depth ${depth}, colour type ${colour}, interlace ${interlace})`);
      channels = CHANNELS[colour];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  if (width === 0 || idat.length === 0) throw fail('no IHDR or IDAT chunk');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw fail('truncated image data');
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const o = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[o + i - channels] : 0;
      const b = y > 0 ? out[o - stride + i] : 0;
      const c = i >= channels && y > 0 ? out[o - stride + i - channels] : 0;
      let pred: number;
      if (f === 0) pred = 0;
      else if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw fail(`unknown row filter ${f}`);
      out[o + i] = (row[i] + pred) & 255;
    }
  }
  return { width, height, channels, pixels: out };
}
