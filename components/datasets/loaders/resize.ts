/**
 * Antialiased Lanczos-3 downscaling of uint8 images, following Pillow's resampling (the filter
 * behind `Image.thumbnail(..., Image.ANTIALIAS)` that disentanglement_lib and DisDiff use to bring
 * Cars3D's 128×128 renders to 64×64): the filter support grows with the scale factor, weights are
 * normalised per output pixel and applied in 22-bit fixed point, horizontal pass first with a
 * uint8 intermediate, as Pillow does for 8-bit images.
 */
const PRECISION_BITS = 32 - 8 - 2;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

interface Taps { start: Int32Array; count: Int32Array; k: Int32Array; width: number }

/** Fixed-point filter taps for resampling `inSize` samples to `outSize`. */
function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const width = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const k = new Int32Array(outSize * width);
  const w = new Float64Array(width);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const n = hi - lo;
    let total = 0;
    for (let x = 0; x < n; x++) { w[x] = lanczos((x + lo - center + 0.5) / filterScale); total += w[x]; }
    for (let x = 0; x < n; x++) {
      const v = total !== 0 ? (w[x] / total) * (1 << PRECISION_BITS) : 0;
      k[o * width + x] = v < 0 ? Math.trunc(v - 0.5) : Math.trunc(v + 0.5);
    }
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, k, width };
}

function clip8(v: number): number {
  const s = v >> PRECISION_BITS;
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

/** Resize an HWC uint8 image to outH × outW. */
export function resizeLanczos(src: Uint8Array, h: number, w: number, c: number, outH: number, outW: number): Uint8Array {
  const hx = taps(w, outW);
  const tmp = new Uint8Array(h * outW * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      for (let ch = 0; ch < c; ch++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let i = 0; i < hx.count[x]; i++) ss += src[(y * w + hx.start[x] + i) * c + ch] * hx.k[x * hx.width + i];
        tmp[(y * outW + x) * c + ch] = clip8(ss);
      }
    }
  }
  const vy = taps(h, outH);
  const out = new Uint8Array(outH * outW * c);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      for (let ch = 0; ch < c; ch++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let i = 0; i < vy.count[y]; i++) ss += tmp[((vy.start[y] + i) * outW + x) * c + ch] * vy.k[y * vy.width + i];
        out[(y * outW + x) * c + ch] = clip8(ss);
      }
    }
  }
  return out;
}
