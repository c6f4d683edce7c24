/**
 * Limited-memory BFGS for smooth convex objectives (logistic regression here). Stopping follows
 * scipy's L-BFGS-B as sklearn calls it: the largest absolute gradient entry ≤ gtol, or a relative
 * decrease of f ≤ ftol, or maxIter iterations.
 */
export interface LbfgsOptions {
  maxIter: number;
  gtol: number;
  ftol: number;
  /** Number of correction pairs kept (scipy's maxcor). */
  memory: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  converged: boolean;
}

/** fg(x, grad) returns f(x) and writes ∇f(x) into grad. */
export type ObjectiveFn = (x: Float64Array, grad: Float64Array) => number;

export function minimizeLbfgs(fg: ObjectiveFn, x0: Float64Array, opts: Partial<LbfgsOptions> = {}): LbfgsResult {
  const { maxIter = 100, gtol = 1e-4, ftol = 64 * 2.220446049250313e-16, memory = 10 } = opts;
  const p = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(p);
  let f = fg(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(p);
  const alpha = new Float64Array(memory);
  let xNew = new Float64Array(p);
  let gNew = new Float64Array(p);
  for (let iter = 0; iter < maxIter; iter++) {
    if (maxAbs(g) <= gtol) return { x, f, iterations: iter, converged: true };
    // Two-loop recursion: dir = −H g.
    dir.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], dir);
      axpy(-alpha[k], Y[k], dir);
    }
    const gamma = S.length > 0 ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1]) : 1 / Math.max(norm(g), 1e-300);
    for (let i = 0; i < p; i++) dir[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], dir);
      axpy(alpha[k] - beta, S[k], dir);
    }
    for (let i = 0; i < p; i++) dir[i] = -dir[i];
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0; Y.length = 0; rho.length = 0;
      for (let i = 0; i < p; i++) dir[i] = -g[i] / Math.max(norm(g), 1e-300);
      slope = dot(g, dir);
    }
    // Weak Wolfe line search by bisection (Lewis & Overton): sufficient decrease (c1 = 1e-4) and
    // curvature (c2 = 0.9), so every accepted step gives a usable correction pair.
    let step = 1;
    let lo = 0;
    let hi = Infinity;
    let fNew = Infinity;
    for (let ls = 0; ls < 60; ls++) {
      for (let i = 0; i < p; i++) xNew[i] = x[i] + step * dir[i];
      fNew = fg(xNew, gNew);
      if (!(fNew <= f + 1e-4 * step * slope)) hi = step;
      else if (dot(gNew, dir) < 0.9 * slope) lo = step;
      else break;
      step = hi < Infinity ? (lo + hi) / 2 : 2 * lo;
    }
    if (!(fNew <= f)) return { x, f, iterations: iter, converged: false };
    const s = new Float64Array(p);
    const y = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === memory) { S.shift(); Y.shift(); rho.shift(); }
      S.push(s); Y.push(y); rho.push(1 / sy);
    }
    const fOld = f;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      return { x, f, iterations: iter + 1, converged: true };
    }
  }
  return { x, f, iterations: maxIter, converged: maxAbs(g) <= gtol };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}
function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}
