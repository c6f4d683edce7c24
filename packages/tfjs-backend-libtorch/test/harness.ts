/**
 * Shared harness of the libtorch tests: registers the backend once, decides skip/fail (tests skip
 * only when libtorch is absent, with a visible message; with CI=true an absent libtorch fails),
 * and runs the same computation on the cpu backend and on libtorch for comparison.
 */
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerLibtorch } from '../src/index.ts';

/** The device under test: cpu here; bench/gpu/check.sh runs the same suites with cuda. */
export const testDevice = process.env.UNTANGLE_LIBTORCH_TEST_DEVICE ?? 'cpu';
export const registration = await registerLibtorch({ device: testDevice });
export const available = registration.ok;
export const mustExist = process.env.CI === 'true' || process.env.UNTANGLE_REQUIRE_LIBTORCH === '1';
if (!available) {
  console.warn(`\n[libtorch tests] ${mustExist ? 'FAILING (CI=true)' : 'SKIPPED'}: ${registration.reason}\n`);
}

export interface Result { shape: number[]; dtype: string; values: Float32Array }

/** mulberry32: a small seeded generator, so the package's tests need nothing from an application. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Deterministic inputs: the same calls give the same values on every backend. */
export class Gen {
  private readonly next: () => number;
  constructor(seed: number) { this.next = mulberry32(seed); }
  /** Box-Muller normals. */
  randn(shape: number[], scale = 1): tf.Tensor {
    const v = new Float32Array(size(shape));
    for (let i = 0; i < v.length; i++) {
      const u = 1 - this.next(), w = this.next();
      v[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }
    return tf.tensor(v, shape);
  }
  uniform(shape: number[], lo: number, hi: number): tf.Tensor {
    return tf.tensor(new Float32Array(size(shape)).map(() => lo + (hi - lo) * this.next()), shape);
  }
  ints(shape: number[], n: number): tf.Tensor {
    return tf.tensor(new Int32Array(size(shape)).map(() => Math.floor(this.next() * n)), shape, 'int32');
  }
  bools(shape: number[]): tf.Tensor {
    return tf.tensor(new Uint8Array(size(shape)).map(() => (this.next() < 0.5 ? 1 : 0)), shape, 'bool');
  }
}

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** Runs `fn` on `backend` with inputs from a Gen seeded by `name`; returns every output's values. */
export async function runOn(backend: string, name: string, fn: (g: Gen) => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => [fn(new Gen(seedOf(name)))].flat());
  const res = outs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Float32Array.from(t.dataSync() as ArrayLike<number>) }));
  tf.dispose(outs);
  return res;
}

/** Largest |a-b| / (atol + rtol * max|ref|) over all outputs: <= 1 means a match. */
export function mismatch(ref: Result[], got: Result[], rtol: number, atol: number): { score: number; detail: string } {
  if (ref.length !== got.length) return { score: Infinity, detail: `output count ${got.length} vs ${ref.length}` };
  let score = 0;
  let detail = 'ok';
  ref.forEach((r, i) => {
    const g = got[i];
    if (r.shape.join(',') !== g.shape.join(',')) { score = Infinity; detail = `output ${i} shape [${g.shape}] vs [${r.shape}]`; return; }
    let scale = 0;
    for (const v of r.values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < r.values.length; j++) {
      const a = r.values[j], b = g.values[j];
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      if (a === b) continue;
      const s = Math.abs(a - b) / (atol + rtol * scale);
      if (!(s <= score)) { score = Number.isNaN(s) ? Infinity : s; detail = `output ${i}[${j}]: libtorch ${b} vs cpu ${a}`; }
    }
  });
  return { score, detail };
}

/** What the torch Python package says about itself (an independent fact for the tests), or null without one. */
export function pythonTorch(): { version: string; cuda: string | null; lib: string } | null {
  try {
    const out = execFileSync('python3', ['-c', 'import torch, os; print(torch.__version__); print(torch.version.cuda); print(os.path.join(os.path.dirname(torch.__file__), "lib"))'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 }).trim().split('\n');
    return { version: out[0], cuda: out[1] === 'None' ? null : out[1], lib: out[2] };
  } catch { return null; }
}
