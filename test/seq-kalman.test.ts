import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../framework/backends/tfjs-gradients.ts';
import { cholesky, choleskySolve, logDetFromCholesky } from '../components/models/sequential/small-linalg.ts';
import { kalmanFilter, rtsSmoother, type Lgssm } from '../components/models/sequential/kalman.ts';

tf.setBackend('cpu');

// ---- float64 reference linear algebra, independent of the tfjs code under test ----
type M = number[][];
const T = (a: M): M => a[0].map((_, j) => a.map((r) => r[j]));
const mul = (a: M, b: M): M => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const add = (a: M, b: M): M => a.map((r, i) => r.map((v, j) => v + b[i][j]));
const sub = (a: M, b: M): M => a.map((r, i) => r.map((v, j) => v - b[i][j]));
const zeros = (r: number, c: number): M => Array.from({ length: r }, () => new Array<number>(c).fill(0));
/** Gaussian elimination with partial pivoting: X = A⁻¹ B and log|det A|. */
function solve(a: M, b: M): { x: M; logDet: number } {
  const n = a.length;
  const A = a.map((r) => [...r]), B = b.map((r) => [...r]);
  let logDet = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(A[i][c]) > Math.abs(A[p][c])) p = i;
    [A[c], A[p]] = [A[p], A[c]]; [B[c], B[p]] = [B[p], B[c]];
    logDet += Math.log(Math.abs(A[c][c]));
    for (let i = 0; i < n; i++) {
      if (i === c) continue;
      const f = A[i][c] / A[c][c];
      for (let j = 0; j < n; j++) A[i][j] -= f * A[c][j];
      for (let j = 0; j < B[0].length; j++) B[i][j] -= f * B[c][j];
    }
  }
  return { x: B.map((r, i) => r.map((v) => v / A[i][i])), logDet };
}
const block = (rows: M[][]): M => rows.flatMap((br) => br[0].map((_, i) => br.flatMap((blk) => blk[i])));

describe('batched small Cholesky and solves', () => {
  it('factor of a hand-made 2×2 and 3×3, solve and log-determinant', () => {
    // [[4, 2], [2, 5]] = L Lᵀ with L = [[2, 0], [1, 2]]; det = 16.
    const s = tf.tensor3d([[[4, 2], [2, 5]]]);
    const l = cholesky(s);
    expect(Array.from(l.dataSync())).toEqual([2, 0, 1, 2].map((v) => expect.closeTo(v, 6)));
    expect(logDetFromCholesky(l).dataSync()[0]).toBeCloseTo(Math.log(16), 5);
    // S x = [2, 7] by Cramer's rule: x = [(2·5 − 2·7)/16, (4·7 − 2·2)/16].
    const x = choleskySolve(l, tf.tensor3d([[[2], [7]]])).dataSync();
    expect(x[0]).toBeCloseTo((2 * 5 - 2 * 7) / 16, 5);
    expect(x[1]).toBeCloseTo((4 * 7 - 2 * 2) / 16, 5);
    const s3: M = [[6, 2, 1], [2, 5, 2], [1, 2, 4]];
    const l3 = cholesky(tf.tensor3d([s3, [[1, 0, 0], [0, 9, 0], [0, 0, 4]]]));
    const back = tf.matMul(l3, l3, false, true).arraySync() as number[][][];
    expect(back[0].flat()).toEqual(s3.flat().map((v) => expect.closeTo(v, 5)));
    expect(back[1].flat()).toEqual([1, 0, 0, 0, 9, 0, 0, 0, 4].map((v) => expect.closeTo(v, 5)));
    const rhs: M = [[1, 0], [2, 1], [3, -1]];
    const got = (choleskySolve(l3, tf.tensor3d([rhs, rhs])).arraySync() as number[][][])[0];
    expect(got.flat()).toEqual(solve(s3, rhs).x.flat().map((v) => expect.closeTo(v, 5)));
    expect(logDetFromCholesky(l3).dataSync()[0]).toBeCloseTo(solve(s3, [[1], [1], [1]]).logDet, 5);
  });
});

function scalarWalk(a: number[]): { f: ReturnType<typeof kalmanFilter>; s: ReturnType<typeof rtsSmoother> } {
  const t = a.length;
  const ssm: Lgssm = {
    transition: Array.from({ length: t }, () => tf.ones([1, 1, 1]) as tf.Tensor3D),
    emission: Array.from({ length: t }, () => tf.ones([1, 1, 1]) as tf.Tensor3D),
    q: tf.tensor2d([[1]]), r: tf.tensor2d([[1]]), mu0: tf.tensor1d([0]), p0: tf.tensor2d([[1]]),
  };
  const f = kalmanFilter(tf.tensor3d([a.map((v) => [v])]), ssm);
  return { f, s: rtsSmoother(f, ssm) };
}

describe('Kalman filter and RTS smoother', () => {
  it('scalar random walk (z₁ ~ N(0,1), z_t = z_{t−1} + N(0,1), a_t = z_t + N(0,1)), a = [1, 2, 0], by hand', () => {
    const { f, s } = scalarWalk([1, 2, 0]);
    const v = (x: tf.Tensor[]) => x.map((e) => e.dataSync()[0]);
    // Filter: K = 1/2, 3/5, 8/13 → μ = 1/2, 7/5, 7/13; P = 1/2, 3/5, 8/13.
    expect(v(f.means)).toEqual([0.5, 1.4, 7 / 13].map((e) => expect.closeTo(e, 5)));
    expect(v(f.covs)).toEqual([0.5, 0.6, 8 / 13].map((e) => expect.closeTo(e, 5)));
    // Smoother = the posterior of precision [[3,−1,0],[−1,3,−1],[0,−1,2]] (det 13) and h = a:
    // mean (9, 14, 7)/13, variances (5, 6, 8)/13.
    expect(v(s.means)).toEqual([9 / 13, 14 / 13, 7 / 13].map((e) => expect.closeTo(e, 5)));
    expect(v(s.covs)).toEqual([5 / 13, 6 / 13, 8 / 13].map((e) => expect.closeTo(e, 5)));
    // log-likelihood from the innovations: residuals 1, 1.5, −1.4 with variances 2, 2.5, 2.6.
    const ll = [[1, 2], [1.5, 2.5], [-1.4, 2.6]].reduce((acc, [r, sv]) => acc - 0.5 * (Math.log(2 * Math.PI * sv) + (r * r) / sv), 0);
    expect(f.logLik.dataSync()[0]).toBeCloseTo(ll, 4);
  });

  it('2-d state, 2-d observations, time-varying A_t and C_t: smoother, filter and log p(a) equal direct Gaussian conditioning', () => {
    const As: M[] = [[[1, 0], [0, 1]], [[0.9, 0.3], [-0.2, 0.8]], [[1.1, -0.1], [0.2, 0.7]], [[0.6, 0.5], [0, 1]]];
    const Cs: M[] = [[[1, 0.5], [0.2, -1]], [[0.3, 1], [1, 0]], [[1, 1], [-0.5, 0.4]], [[0.8, 0], [0.1, 1.2]]];
    const Q: M = [[0.3, 0.05], [0.05, 0.2]], R: M = [[0.1, 0.02], [0.02, 0.15]], P0: M = [[2, 0.3], [0.3, 1]];
    const mu0 = [0.5, -1];
    const a: number[][] = [[0.3, -0.7], [1.2, 0.4], [-0.5, 0.9], [0.8, 1.5]];
    const t = a.length, n = 2;
    // Joint moments of z (stacked) from the dynamics.
    const mz: M[] = [mu0.map((v) => [v])];
    for (let i = 1; i < t; i++) mz.push(mul(As[i], mz[i - 1]));
    const cov: M[][] = Array.from({ length: t }, () => new Array<M>(t));
    cov[0][0] = P0;
    for (let i = 1; i < t; i++) cov[i][i] = add(mul(mul(As[i], cov[i - 1][i - 1]), T(As[i])), Q);
    for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) { cov[j][i] = mul(As[j], cov[j - 1][i]); cov[i][j] = T(cov[j][i]); }
    const czz = block(cov);
    const Cblk = block(Cs.map((c, i) => Cs.map((_, j) => (i === j ? c : zeros(2, 2)))));
    const Rblk = block(Cs.map((_, i) => Cs.map((_, j) => (i === j ? R : zeros(2, 2)))));
    const mzv = mz.flat().map((v) => [v[0]]);
    const ma = mul(Cblk, mzv);
    const caa = add(mul(mul(Cblk, czz), T(Cblk)), Rblk);
    const cza = mul(czz, T(Cblk));
    const av = a.flat().map((v) => [v]);
    const { x: w, logDet } = solve(caa, sub(av, ma));
    const postMean = add(mzv, mul(cza, w));
    const postCov = sub(czz, mul(cza, solve(caa, T(cza)).x));
    const maha = sub(av, ma).reduce((s, r, i) => s + r[0] * w[i][0], 0);
    const logLik = -0.5 * (maha + logDet + 2 * t * Math.log(2 * Math.PI));

    const ssm: Lgssm = {
      transition: As.map((m) => tf.tensor3d([m])), emission: Cs.map((m) => tf.tensor3d([m])),
      q: tf.tensor2d(Q), r: tf.tensor2d(R), mu0: tf.tensor1d(mu0), p0: tf.tensor2d(P0),
    };
    const f = kalmanFilter(tf.tensor3d([a]), ssm);
    const s = rtsSmoother(f, ssm);
    expect(f.logLik.dataSync()[0]).toBeCloseTo(logLik, 3);
    for (let i = 0; i < t; i++) {
      expect(Array.from(s.means[i].dataSync())).toEqual([postMean[n * i][0], postMean[n * i + 1][0]].map((e) => expect.closeTo(e, 4)));
      const blk = [postCov[n * i][n * i], postCov[n * i][n * i + 1], postCov[n * i + 1][n * i], postCov[n * i + 1][n * i + 1]];
      expect(Array.from(s.covs[i].dataSync())).toEqual(blk.map((e) => expect.closeTo(e, 4)));
    }
    // The filter at the last step conditions on everything: it equals the smoother there.
    expect(Array.from(f.means[t - 1].dataSync())).toEqual(Array.from(s.means[t - 1].dataSync()));
    // The filter at step 2 equals conditioning z_2 on a_1:2 alone (the leading 4×4 blocks).
    const k = 2 * n;
    const caa2 = caa.slice(0, k).map((r) => r.slice(0, k));
    const cza2 = cza.slice(0, k).map((r) => r.slice(0, k));
    const m2 = add(mzv.slice(0, k), mul(cza2, solve(caa2, sub(av.slice(0, k), ma.slice(0, k))).x));
    expect(Array.from(f.means[1].dataSync())).toEqual([m2[2][0], m2[3][0]].map((e) => expect.closeTo(e, 4)));
  });

  it('the log-likelihood is differentiable: gradient w.r.t. the observations matches finite differences', () => {
    const g = tf.grad((a: tf.Tensor) => scalarWalkLl(a as tf.Tensor3D));
    const a0 = [1, 2, 0];
    const grad = g(tf.tensor3d([a0.map((v) => [v])])).dataSync();
    const eps = 1e-2;
    for (let i = 0; i < 3; i++) {
      const up = [...a0], dn = [...a0];
      up[i] += eps; dn[i] -= eps;
      const fd = (scalarWalk(up).f.logLik.dataSync()[0] - scalarWalk(dn).f.logLik.dataSync()[0]) / (2 * eps);
      expect(grad[i]).toBeCloseTo(fd, 2);
    }
  });
});

function scalarWalkLl(a: tf.Tensor3D): tf.Scalar {
  const t = a.shape[1];
  const ssm: Lgssm = {
    transition: Array.from({ length: t }, () => tf.ones([1, 1, 1]) as tf.Tensor3D),
    emission: Array.from({ length: t }, () => tf.ones([1, 1, 1]) as tf.Tensor3D),
    q: tf.tensor2d([[1]]), r: tf.tensor2d([[1]]), mu0: tf.tensor1d([0]), p0: tf.tensor2d([[1]]),
  };
  return tf.sum(kalmanFilter(a, ssm).logLik) as tf.Scalar;
}
