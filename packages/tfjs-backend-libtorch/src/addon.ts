/**
 * Loads the native libtorch addon built by build.mjs (build/Release/untangle_torch.node) and describes its API.
 * Loading never throws: a missing or broken build is a value with a reason, so backend selection
 * can fall back to wasm.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceInfo } from './device.ts';

/** dtype codes shared with native/common.h. */
export const DTYPE_CODES = { float32: 0, int32: 1, bool: 2 } as const;
export type NativeDType = keyof typeof DTYPE_CODES;
export const DTYPE_NAMES: readonly NativeDType[] = ['float32', 'int32', 'bool'];

type H = number;
type Ints = number[] | Int32Array;

/** The addon's exports (native/*.cc). Tensor arguments and results are handles. */
export interface NativeTorch {
  init(resultBuffer: Int32Array, threads: number): { torch: string; parallel: string; threads: number };
  setThreads(n: number): number;
  fromArray(values: Float32Array | Int32Array | Uint8Array, shape: Ints, dtype: number): H;
  toArray(h: H): Float32Array | Int32Array | Uint8Array;
  free(h: H): void;
  memory(): { bytes: number; tensors: number };
  shapeOf(h: H): void;
  unaryOps: string[];
  binaryOps: string[];
  unary(op: number, x: H): H;
  binary(op: number, a: H, b: H): H;
  leakyRelu(x: H, alpha: number): H;
  step(x: H, alpha: number): H;
  clip(x: H, lo: number, hi: number): H;
  select(cond: H, a: H, b: H): H;
  cast(x: H, dtype: number): H;
  addN(xs: H[]): H;
  reduce(kind: string, x: H, axes: Ints, keepDims: boolean): H;
  argReduce(isMax: boolean, x: H, axis: number): H;
  matmul(a: H, b: H, bias: H | null, transposeA: boolean, transposeB: boolean): H;
  softmax(x: H, dim: number, log: boolean): H;
  cumulative(isProd: boolean, x: H, axis: number, exclusive: boolean, reverse: boolean): H;
  conv2d(x: H, filter: H, bias: H | null, strides: Ints, pads: Ints, dilations: Ints, depthwise: boolean): H;
  convBackpropInput(dy: H, filter: H, inputShape: Ints, strides: Ints, pads: Ints, dilations: Ints, depthwise: boolean): H;
  convBackpropFilter(x: H, dy: H, filterShape: Ints, strides: Ints, pads: Ints, dilations: Ints, depthwise: boolean): H;
  pool(isMax: boolean, x: H, k: Ints, strides: Ints, pads: Ints): H;
  poolGrad(isMax: boolean, dy: H, x: H, k: Ints, strides: Ints, pads: Ints): H;
  batchNorm(x: H, mean: H, variance: H, offset: H | null, scale: H | null, eps: number): H;
  separable(x: H, a: H, b: H, transposed: boolean): H;
  einsum(equation: string, xs: H[]): H;
  reshape(x: H, shape: Ints): H;
  transpose(x: H, perm: Ints): H;
  contiguous(x: H): H;
  slice(x: H, begin: Ints, size: Ints): H;
  strided(x: H, begin: Ints, end: Ints, strides: Ints, outShape: Ints): H;
  concat(xs: H[], axis: number): H;
  stack(xs: H[], axis: number): H;
  unstack(x: H, axis: number): H[];
  split(x: H, sizes: Ints, axis: number): H[];
  pad(x: H, paddings: Ints, value: number): H;
  mirrorPad(x: H, paddings: Ints, symmetric: boolean): H;
  tile(x: H, reps: Ints): H;
  reverse(x: H, dims: Ints): H;
  broadcastTo(x: H, shape: Ints): H;
  gather(x: H, indices: H, axis: number, batchDims: number): H;
  gatherNd(x: H, indices: H): H;
  scatterNd(indices: H, updates: H, shape: Ints): H;
  segmentSum(x: H, ids: H, numSegments: number): H;
  oneHot(indices: H, depth: number, on: number, off: number, dtype: number): H;
  topk(x: H, k: number, sorted: boolean): H[];
  nonzero(x: H): H;
  // Fused kernels (src/fused.cc); multi-output ones return handles in output order.
  adamStep(p: H, g: H, m: H, v: H, lrOverBc1: number, beta1: number, beta2: number, eps: number, sqrtBc2: number, l2: number, pScale: number): H[];
  adamStepAll(p: H[], g: H[], m: H[], v: H[], lrOverBc1: number, beta1: number, beta2: number, eps: number, sqrtBc2: number, l2: number, pScale: number): H[];
  reluGrad(dy: H, x: H): H;
  groupNorm(x: H, gamma: H, beta: H, groups: number, eps: number): H[];
  groupNormGrad(dy: H, x: H, mean: H, rstd: H, gamma: H, groups: number): H[];
  lstmCell(gates: H, c: H): H[];
  lstmCellGrad(dh: H, dc: H, act: H, c: H, cNext: H): H[];
  gruCell(xp: H, hp: H, h: H): H[];
  gruCellGrad(dy: H, act: H, hp: H, h: H): H[];
  lstmSequence(xp: H, h0: H, c0: H, wh: H): H[];
  lstmSequenceGrad(dhs: H, dhT: H, dcT: H, acts: H, cs: H, hs: H, h0: H, wh: H): H[];
  gruSequence(xp: H, h0: H, wh: H, bh: H): H[];
  gruSequenceGrad(dhs: H, dhT: H, acts: H, hps: H, hs: H, h0: H, wh: H): H[];
  silu(x: H): H;
  siluGrad(dy: H, x: H): H;
  // More fused kernels (native/fused-train.cc).
  rnnTanhSequence(xp: H, h0: H, wh: H): H[];
  rnnTanhSequenceGrad(dhs: H, dhT: H, hs: H, h0: H, wh: H): H[];
  film(x: H, ss: H): H;
  filmGrad(dy: H, x: H, ss: H): H[];
  globalNorm(xs: H[]): H;
  scaleAll(xs: H[], scale: number): H[];
  keepMask(shape: Ints, p: number, keep: number, s0: number, s1: number, s2: number, s3: number): H[];
  // Devices (native/device.cc). Absent from addons built before device support.
  deviceInfo?(): DeviceInfo;
  setDevice?(device: string): string;
  toDevice?(h: H, device: string): H;
  deviceOf?(h: H): string;
  setDeterministic?(on: boolean): boolean;
  setGenericKernels?(on: boolean): boolean;
}

/** build/untangle-libtorch.json, written by build.mjs. `version` carries the build tag (2.13.0+cpu). */
export interface BuildInfo { version: string; source: string; include: string; lib: string; cuda?: boolean; builtAt: string }

export type AddonLoad =
  | { ok: true; native: NativeTorch; build: BuildInfo; addonPath: string }
  | { ok: false; reason: string };

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: build.mjs writes the addon to build/Release/ under it. */
export const PACKAGE_DIR = resolve(here, '..');

/**
 * Single-threaded BLAS by default: OpenBLAS/MKL pools fight OpenMP on small machines
 * (README, "Threads": measured 1 vs 2 threads on a 2-core VM). OpenBLAS 0.3.21 mis-detects AVX-512 Xeons as Prescott, so
 * its SkylakeX kernels are forced when the CPU has AVX-512. Must run before the addon loads.
 */
function tuneEnvironment(): void {
  const env = process.env;
  env.OPENBLAS_NUM_THREADS ??= '1';
  env.MKL_NUM_THREADS ??= '1';
  env.OMP_NUM_THREADS ??= '1';
  if (env.OPENBLAS_CORETYPE === undefined) {
    try {
      if (/\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) env.OPENBLAS_CORETYPE = 'SkylakeX';
    } catch { /* not Linux: leave OpenBLAS to detect the CPU */ }
  }
}

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const addonPath = process.env.UNTANGLE_LIBTORCH_ADDON ?? join(PACKAGE_DIR, 'build', 'Release', 'untangle_torch.node');
  if (!existsSync(addonPath)) {
    cached = { ok: false, reason: `libtorch addon not built (${addonPath} missing): install torch (pip install torch) or libtorch-dev, then run npm install` };
    return cached;
  }
  let build: BuildInfo = { version: 'unknown', source: 'unknown', include: '', lib: '', builtAt: '' };
  try {
    build = JSON.parse(readFileSync(join(PACKAGE_DIR, 'build', 'untangle-libtorch.json'), 'utf8')) as BuildInfo;
  } catch { /* built by hand: versions come from the addon itself */ }
  tuneEnvironment();
  try {
    const native = createRequire(import.meta.url)(addonPath) as NativeTorch;
    cached = { ok: true, native, build, addonPath };
  } catch (e) {
    cached = { ok: false, reason: `libtorch addon failed to load from ${addonPath}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return cached;
}
