import { deflateSync } from 'node:zlib';

/** A minimal PNG encoder (8-bit greyscale or RGB), for reconstructions, traversals and plots. */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, pixels: Uint8Array): Uint8Array {
  if (pixels.length !== width * height * channels) throw new RangeError(`encodePng: expected ${width * height * channels} bytes, got ${pixels.length}`);
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const chunks = [chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const sig = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  const out = new Uint8Array(sig.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(sig, 0);
  let pos = sig.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Tiles images `[N, H, W, C]` (float in [0, 1]) into a grid with `cols` columns and a 2-pixel
 * white gutter; returns an 8-bit image ready for encodePng.
 */
export function imageGrid(data: Float32Array, n: number, h: number, w: number, c: number, cols: number): { width: number; height: number; channels: 1 | 3; pixels: Uint8Array } {
  const channels: 1 | 3 = c === 1 ? 1 : 3;
  const rows = Math.ceil(n / cols);
  const g = 2;
  const width = cols * w + (cols + 1) * g;
  const height = rows * h + (rows + 1) * g;
  const pixels = new Uint8Array(width * height * channels).fill(255);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    const q = i % cols;
    const y0 = g + r * (h + g);
    const x0 = g + q * (w + g);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((i * h + y) * w + x) * c;
        const dst = ((y0 + y) * width + (x0 + x)) * channels;
        for (let k = 0; k < channels; k++) pixels[dst + k] = Math.round(255 * Math.min(1, Math.max(0, data[src + Math.min(k, c - 1)])));
      }
    }
  }
  return { width, height, channels, pixels };
}

/**
 * A picture tensor's values as a PNG grid: a 4-D `[n, h, w, c]` batch in rows of `cols`, or a 5-D
 * `[rows, columns, h, w, c]` grid with exactly its own layout (a swap grid, one sequence per row).
 */
export function pictureGridPng(shape: readonly number[], data: Float32Array, cols: number): Uint8Array {
  const grid = shape.length === 5;
  const [n, h, w, c] = grid ? [shape[0] * shape[1], shape[2], shape[3], shape[4]] : shape;
  const g = imageGrid(data, n, h, w, c, grid ? shape[1] : Math.min(n, cols));
  return encodePng(g.width, g.height, g.channels, g.pixels);
}
