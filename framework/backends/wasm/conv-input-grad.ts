/** Conv2DBackpropInput on wasm as a sub-pixel XNNPACK conv (the stock one is a scalar C++ loop). */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { input, type Shape4, type WasmOps } from './ops.ts';

// Conv2DBackpropInput (conv dx, and the forward of conv2dTranspose) as a sub-pixel conv.
//
// Per axis, with forward y[p] = Σ_k x[s·p + k - top] W[k]: output row i = s·a + b (phase b < s)
// gets dx[i] = Σ_{d ∈ D_b} dy[a-d] · W[s·d + b + top], D_b = {d : 0 ≤ s·d+b+top < K} = [lo_b, hi_b].
// Shifting phase b's row index to a' = a + P - hi_b (P = max hi_b) makes every phase read the same
// window dy[a'-P .. a'-P+T-1] (T = max |D_b|), so ONE stride-1 XNNPACK conv over dy, with a T×T
// kernel and s_h·s_w·C output channels (one block per phase pair), computes every phase. A JS
// gather then interleaves the phases (wasm DepthToSpace is a slow generic loop).

interface AxisPlan {
  /** hi_b for each phase b, or null when the phase gets no tap (s > k): those rows are zero. */
  hi: (number | null)[];
  lo: (number | null)[];
  taps: number; // T
  shift: number; // P
  outLen: number; // L: conv output rows needed
  padBefore: number; // may be negative: crop dy instead
  padAfter: number;
}

function planAxis(k: number, s: number, top: number, xLen: number, dyLen: number): AxisPlan | null {
  const lo: (number | null)[] = [];
  const hi: (number | null)[] = [];
  for (let b = 0; b < s; b++) {
    // smallest / largest d with 0 <= s*d + b + top <= k-1
    const dLo = Math.ceil((-b - top) / s);
    const dHi = Math.floor((k - 1 - b - top) / s);
    const used = b < xLen && dLo <= dHi;
    lo.push(used ? dLo : null);
    hi.push(used ? dHi : null);
  }
  let taps = 0;
  let shift = -Infinity;
  for (let b = 0; b < s; b++) {
    const l = lo[b];
    const h = hi[b];
    if (l === null || h === null) continue;
    taps = Math.max(taps, h - l + 1);
    shift = Math.max(shift, h);
  }
  if (taps === 0) return null;
  let outLen = 0;
  for (let b = 0; b < s; b++) {
    const h = hi[b];
    if (h === null) continue;
    const rows = Math.ceil((xLen - b) / s);
    outLen = Math.max(outLen, rows - 1 + shift - h + 1);
  }
  return { lo, hi, taps, shift, outLen, padBefore: shift, padAfter: outLen + taps - 1 - shift - dyLen };
}

export function conv2dBackpropInput(ops: WasmOps, backend: BackendWasm, inputs: NamedTensorInfoMap, rawAttrs: NamedAttrMap | undefined): TensorInfo {
  const attrs = rawAttrs as unknown as Conv2DBackpropInputAttrs;
  const dy = input(inputs, 'dy');
  const filter = input(inputs, 'filter');
  const stock = (): TensorInfo => ops.call(backend, 'Conv2DBackpropInput', inputs, attrs);
  if (attrs.dataFormat === 'NCHW' || filter.dtype !== 'float32' || dy.dtype !== 'float32') return stock();
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  const [n, h, w, c] = attrs.inputShape;
  const [k1, k2, , co] = filter.shape;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const py = planAxis(k1, sh, info.padInfo.top, h, dy.shape[1]);
  const px = planAxis(k2, sw, info.padInfo.left, w, dy.shape[2]);
  if (!py || !px) return stock();
  // Negative pads mean dy rows/cols no output reads: crop them instead of padding.
  const cropTop = Math.max(0, -py.padBefore);
  const cropLeft = Math.max(0, -px.padBefore);
  const keepH = dy.shape[1] - cropTop - Math.max(0, -py.padAfter);
  const keepW = dy.shape[2] - cropLeft - Math.max(0, -px.padAfter);
  if (keepH <= 0 || keepW <= 0) return stock(); // no dy row reaches dx: degenerate explicit pads
  let src = dy;
  if (keepH !== dy.shape[1] || keepW !== dy.shape[2]) {
    src = ops.call(backend, 'Slice', { x: dy }, { begin: [0, cropTop, cropLeft, 0], size: [dy.shape[0], keepH, keepW, co] });
  }

  // Phase kernel [Ty, Tx, co, S·C], built in JS from W [k1, k2, C, co] (small: < 1 ms).
  const phases = sh * sw;
  const outC = phases * c;
  const kern = backend.makeOutput([py.taps, px.taps, co, outC], 'float32');
  const kv = backend.typedArrayFromHeap(kern) as Float32Array;
  kv.fill(0);
  const wv = backend.typedArrayFromHeap(filter) as Float32Array;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let by = 0; by < sh; by++) {
    const hiY = py.hi[by];
    const loY = py.lo[by];
    if (hiY === null || loY === null) continue;
    for (let ty = 0; ty < py.taps; ty++) {
      const d = hiY - ty;
      if (d < loY) break;
      const i = sh * d + by + top;
      for (let bx = 0; bx < sw; bx++) {
        const hiX = px.hi[bx];
        const loX = px.lo[bx];
        if (hiX === null || loX === null) continue;
        for (let tx = 0; tx < px.taps; tx++) {
          const e = hiX - tx;
          if (e < loX) break;
          const j = sw * e + bx + left;
          const phaseBase = (by * sw + bx) * c;
          for (let ci = 0; ci < c; ci++) {
            const wBase = ((i * k2 + j) * c + ci) * co;
            let kIdx = (ty * px.taps + tx) * co * outC + phaseBase + ci;
            for (let o = 0; o < co; o++, kIdx += outC) kv[kIdx] = wv[wBase + o];
          }
        }
      }
    }
  }
  const pad = [[0, 0], [Math.max(0, py.padBefore), Math.max(0, py.padAfter)], [Math.max(0, px.padBefore), Math.max(0, px.padAfter)], [0, 0]];
  const y = ops.call(backend, 'Conv2D', { x: src, filter: kern }, { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 });
  ops.free(backend, kern);
  if (src !== dy) ops.free(backend, src);
  if (phases === 1 && py.outLen === h && px.outLen === w && py.shift === py.hi[0] && px.shift === px.hi[0]) return y;

  // Interleave: dx[n, s·a+b, ...] = y[n, a + P - hi_b, ..., phase block]; tap-less phases stay 0.
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const yv = backend.typedArrayFromHeap(y) as Float32Array; // views taken after the last allocation
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  const rowSrc = interleaveIndex(h, sh, py); // conv row for each dx row, or -1
  const colSrc = interleaveIndex(w, sw, px);
  let o = 0;
  for (let ni = 0; ni < n; ni++) {
    for (let r = 0; r < h; r++) {
      const ar = rowSrc[r];
      for (let q = 0; q < w; q++) {
        const aq = colSrc[q];
        if (ar < 0 || aq < 0) {
          ov.fill(0, o, o + c);
          o += c;
          continue;
        }
        let s = ((ni * py.outLen + ar) * px.outLen + aq) * outC + ((r % sh) * sw + (q % sw)) * c;
        for (let ci = 0; ci < c; ci++) ov[o++] = yv[s++];
      }
    }
  }
  ops.free(backend, y);
  return out;
}

function interleaveIndex(len: number, s: number, plan: AxisPlan): Int32Array {
  const idx = new Int32Array(len);
  for (let i = 0; i < len; i++) {
    const b = i % s;
    const hb = plan.hi[b];
    idx[i] = hb === null ? -1 : (i - b) / s + plan.shift - hb;
  }
  return idx;
}
