import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discreteMutualInfo, histogramDiscretize } from '../components/metrics/discrete.ts';
import { computeMig } from '../components/metrics/mig.ts';
import { modularityFromMi } from '../components/metrics/modularity-explicitness.ts';
import { writeNpy } from '../framework/io/npy.ts';
import { Rng } from '../framework/util/rng.ts';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/**
 * An independent numpy re-implementation of disentanglement_lib's discretiser, sklearn's
 * mutual_info_score (contingency table, natural log), MIG and modularity.
 */
const SCRIPT = `
import json, sys
import numpy as np
d = sys.argv[1]
mus = np.load(d + '/codes.npy').T          # (num_codes, n), float32 like a TF representation
ys = np.load(d + '/factors.npy').T          # (num_factors, n)
def discretize(t, bins=20):
    out = np.zeros_like(t)
    for i in range(t.shape[0]):
        out[i] = np.digitize(t[i], np.histogram(t[i], bins)[1][:-1])
    return out
def mi(a, b):
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    c = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(c, (ai, bi), 1)
    if c.shape[0] == 1 or c.shape[1] == 1:
        return 0.0
    p = c / c.sum()
    pa, pb = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
    nz = p > 0
    return max(float(np.sum(p[nz] * np.log(p[nz] / (pa @ pb)[nz]))), 0.0)
disc = discretize(mus)
m = np.array([[mi(ys[j], disc[i]) for j in range(ys.shape[0])] for i in range(mus.shape[0])])
h = np.array([mi(y, y) for y in ys])
s = np.sort(m, axis=0)[::-1]
sq = m ** 2
mx = sq.max(1)
mod = 1 - (sq.sum(1) - mx) / (mx * (sq.shape[1] - 1))
mod[mx == 0] = 0
print(json.dumps({'bins': disc.T.astype(int).ravel().tolist(), 'mi': m.ravel().tolist(),
                  'mig': float(np.mean((s[0] - s[1]) / h)), 'modularity': float(mod.mean())}))
`;

describe('cross-check against numpy', () => {
  it.skipIf(!hasNumpy)('binning, MI matrix, MIG and modularity agree with a numpy re-implementation', () => {
    const rng = new Rng(11);
    const n = 3000;
    const sizes = [3, 6, 10];
    const f = sizes.length;
    const d = 5;
    const factors = new Int32Array(n * f);
    const codes = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) factors[i * f + j] = rng.int(sizes[j]);
      codes[i * d] = factors[i * f] + 0.3 * rng.normal();
      codes[i * d + 1] = factors[i * f + 1] * 0.7 + factors[i * f + 2] * 0.2 + 0.5 * rng.normal();
      codes[i * d + 2] = Math.exp(factors[i * f + 2] / 3) + rng.normal();
      codes[i * d + 3] = rng.normal() * 1e-3;
      codes[i * d + 4] = rng.uniform() < 0.5 ? factors[i * f + 1] : 0;
    }
    const dir = mkdtempSync(join(tmpdir(), 'metrics-xcheck-'));
    writeFileSync(join(dir, 'codes.npy'), writeNpy(codes, [n, d]));
    writeFileSync(join(dir, 'factors.npy'), writeNpy(factors, [n, f]));
    const r = spawnSync('python3', ['-c', SCRIPT, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as { bins: number[]; mi: number[]; mig: number; modularity: number };
    const bins = histogramDiscretize(codes, n, d, 20);
    let binMismatches = 0;
    for (let k = 0; k < bins.length; k++) if (bins[k] !== ref.bins[k]) binMismatches++;
    expect(binMismatches).toBe(0);
    const mi = discreteMutualInfo(bins, d, factors, f, n);
    mi.forEach((v, k) => expect(v).toBeCloseTo(ref.mi[k], 12));
    expect(computeMig(codes, factors, n, d, f, 20).discrete_mig).toBeCloseTo(ref.mig, 4);
    expect(modularityFromMi(mi, d, f)).toBeCloseTo(ref.modularity, 4);
  });

  it.skipIf(!hasNumpy)('bins float32 values that sit on rounded bin edges as numpy 1.x does (float32 edges)', () => {
    // Values 0 and 1 fix the range; the others are the float32 roundings of the 20 edges k/20 and
    // their float32 neighbours, where float32 and float64 edges disagree.
    const vals: number[] = [0, 1];
    const f32 = new Float32Array(1);
    const i32 = new Int32Array(f32.buffer);
    for (let k = 1; k < 20; k++) {
      f32[0] = k * 0.05;
      const bits = i32[0];
      for (const delta of [-1, 0, 1]) {
        i32[0] = bits + delta;
        vals.push(f32[0]);
      }
    }
    const column = Float32Array.from(vals);
    const dir = mkdtempSync(join(tmpdir(), 'metrics-edges-'));
    writeFileSync(join(dir, 'v.npy'), writeNpy(column, [column.length]));
    // numpy 1.x (the library's era) computes linspace edges in float64 and stores them as float32
    // for float32 data; numpy 2 computes them in float32 arithmetic. Spell out the 1.x edges.
    const script = "import numpy as np, sys, json; v = np.load(sys.argv[1] + '/v.npy'); " +
      "lo, hi = float(v.min()), float(v.max()); " +
      "e = (np.arange(21, dtype=np.float64) * ((hi - lo) / 20) + lo).astype(np.float32); " +
      "print(json.dumps(np.digitize(v, e[:-1]).tolist()))";
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(Array.from(histogramDiscretize(column, column.length, 1, 20))).toEqual(JSON.parse(r.stdout));
  });
});
