import { expect } from 'vitest';

type Nested = number | Nested[];

function flatten(a: Nested, out: number[] = []): number[] {
  if (typeof a === 'number') out.push(a);
  else for (const v of a) flatten(v, out);
  return out;
}

function shapeOf(a: Nested): number[] {
  return typeof a === 'number' ? [] : [a.length, ...(a.length > 0 ? shapeOf(a[0]) : [])];
}

/** Same shape, and |a − b| ≤ atol + rtol·|b| elementwise (reports the worst element). */
export function expectClose(actual: unknown, expected: unknown, atol = 1e-5, rtol = 1e-4, label = ''): void {
  const a = actual as Nested;
  const b = expected as Nested;
  expect(shapeOf(a), `${label} shape`).toEqual(shapeOf(b));
  const fa = flatten(a);
  const fb = flatten(b);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < fa.length; i++) {
    const excess = Math.abs(fa[i] - fb[i]) - (atol + rtol * Math.abs(fb[i]));
    if (!(excess <= 0) && (worst === -1 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst !== -1) {
    expect.fail(`${label}: element ${worst} is ${fa[worst]}, expected ${fb[worst]} (atol ${atol}, rtol ${rtol}; ${fa.length} elements)`);
  }
}
