/** Kernels of a `tf.profile` by name, slowest total first: where a training step spends its time. */
import type * as tf from '@tensorflow/tfjs-core';

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;

/** A heading (kernel count, unprofiled wall time, sum of kernel times) and one line per kernel name. */
export function kernelTable(info: ProfileInfo, wallMs: number, top: number): string[] {
  const by = new Map<string, { n: number; ms: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const e = by.get(k.name) ?? { n: 0, ms: 0 };
    e.n++; e.ms += ms; by.set(k.name, e);
  }
  const lines = [`${info.kernels.length} kernels/step, step ${wallMs.toFixed(1)} ms unprofiled, sum of kernel times ${total.toFixed(1)} ms`];
  for (const [k, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    lines.push(`  ${k.padEnd(28)} ${String(e.n).padStart(5)}  ${e.ms.toFixed(2).padStart(8)} ms  ${(1000 * e.ms / e.n).toFixed(1).padStart(8)} us/call`);
  }
  return lines;
}
