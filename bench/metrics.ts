/**
 * Times the metric suite with paper defaults on a Shapes3D-sized grid of codes
 * (480,000 × 10; factor sizes 10,10,10,8,4,15), as `untangle score` would run it.
 *   npx tsx bench/metrics.ts [--metrics mig,dci,...] [--seed 0]
 * The codes are synthetic: six noisy, partly mixed functions of the factors and four noise dims,
 * so every metric has non-trivial work (no ties, all classes present, no perfect classifier).
 */
import { scoreCodes } from '../framework/evaluator/score.ts';
import { Rng } from '../framework/util/rng.ts';
import { createRegistry } from '../registry.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const metrics = arg('metrics', 'mig,dci,sap,modularity,betavae,factorvae,unsupervised').split(',');
const seed = Number(arg('seed', '0'));
const registry = createRegistry();
const sizes = [10, 10, 10, 8, 4, 15];
const dim = 10;
const grid = sizes.reduce((a, b) => a * b, 1);

const t0 = performance.now();
const rng = new Rng(123);
const codes = new Float32Array(grid * dim);
const fac = new Array<number>(sizes.length);
for (let g = 0; g < grid; g++) {
  let r = g;
  for (let j = sizes.length - 1; j >= 0; j--) {
    fac[j] = r % sizes[j] / (sizes[j] - 1);
    r = Math.floor(r / sizes[j]);
  }
  const o = g * dim;
  for (let j = 0; j < 6; j++) codes[o + j] = 2 * fac[j] + 0.5 * fac[(j + 1) % 6] + 0.4 * rng.normal();
  for (let j = 6; j < dim; j++) codes[o + j] = rng.normal();
}
console.log(`codes: ${grid} × ${dim} built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const rows: string[] = [];
for (const m of metrics) {
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const r = await scoreCodes({ registry, factorSizes: sizes, codes, dim, metrics: [m], seed });
  const wall = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const scores = Object.entries(r[m]).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ');
  rows.push(`| ${m.padEnd(12)} | ${wall.toFixed(2).padStart(8)} | ${((cpu.user + cpu.system) / 1e6).toFixed(2).padStart(8)} | ${scores} |`);
  console.log(rows[rows.length - 1]);
}
console.log(`\n| metric       |   wall s |    cpu s | scores |\n|--------------|----------|----------|--------|\n${rows.join('\n')}`);
