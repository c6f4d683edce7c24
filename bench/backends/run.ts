/**
 * Backend benchmark: PyTorch (python subprocess, same torch as the libtorch backend) vs untangle
 * on libtorch, wasm and cpu (conv AE at batch 4 only), side by side in one process tree.
 * Prints ms/step and the ratio to PyTorch, and writes bench/results.json
 * (bench/results.smoke.json with --smoke, which runs 1 timed step of each for CI).
 *
 * Usage: npx tsx bench/backends/run.ts [--smoke] [--steps N] [--backends pytorch,libtorch,wasm,cpu] [--out FILE]
 * (--out: write the JSON elsewhere, e.g. for partial runs that should not replace bench/results.json)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const opt = (k: string, d: string) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
const steps = Number(opt('steps', smoke ? '1' : '10'));
const backends = opt('backends', 'pytorch,libtorch,wasm,cpu').split(',');

type Row = Record<string, unknown> & { backend: string; workload: string; trainMs?: number; fwdMs?: number; error?: string };

/** Single-threaded BLAS and OpenMP, OpenBLAS told the CPU type (docs/backend-notes.md). */
const benchEnv = { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX', OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function parse(out: string, backend: string, stderr: string, status: number | null): Row[] {
  const rows = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Row);
  if (!rows.length) return [{ backend, workload: '*', error: `exit ${status}: ${stderr.trim().split('\n').slice(-2).join(' ')}` }];
  return rows;
}

function runPython(workloads: string, extra: string[] = []): Row[] {
  const r = spawnSync('python3', [join(here, 'torch_ref.py'), '--workloads', workloads, '--steps', String(steps), ...extra],
    { env: benchEnv, encoding: 'utf8', maxBuffer: 16 << 20 });
  return parse(r.stdout ?? '', 'pytorch', r.stderr ?? String(r.error), r.status);
}

function runWorker(backend: string, workloads: string, extra: string[] = []): Row[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'worker.ts'), '--backend', backend, '--workloads', workloads, '--steps', String(steps), ...extra],
    { cwd: root, env: benchEnv, encoding: 'utf8', maxBuffer: 16 << 20 });
  return parse(r.stdout ?? '', backend, r.stderr ?? String(r.error), r.status);
}

const main = 'ae,lstm,gru,unet';
const rows: Row[] = [];
for (const b of backends) {
  console.error(`bench: ${b} ...`);
  if (b === 'pytorch') {
    rows.push(...runPython(main));
    rows.push(...runPython('ae4', ['--ae-batch', '4']));
  } else if (b === 'cpu') {
    // tfjs-cpu needs ~30 s per batch-4 step: two timed steps are enough to place it.
    rows.push(...runWorker('cpu', 'ae', ['--ae-batch', '4', '--steps', String(Math.min(steps, 2))]).map((r) => ({ ...r, workload: 'ae4' })));
  } else {
    rows.push(...runWorker(b, main));
    rows.push(...runWorker(b, 'ae', ['--ae-batch', '4']).map((r) => ({ ...r, workload: 'ae4' })));
  }
}

const label: Record<string, string> = { ae: 'conv AE b32 train', ae4: 'conv AE b4 train', lstm: 'LSTM b32 T8 h256', gru: 'GRU b32 T8 h256', unet: 'U-Net 32x32 b8' };
const ref = (w: string) => rows.find((r) => r.backend === 'pytorch' && r.workload === w)?.trainMs;
const cell = (r: Row | undefined, key: 'trainMs' | 'fwdMs') => {
  if (!r) return '–';
  if (r.error) return 'n/a';
  const v = r[key];
  if (typeof v !== 'number') return '–';
  const p = key === 'trainMs' ? ref(r.workload) : rows.find((q) => q.backend === 'pytorch' && q.workload === r.workload)?.fwdMs;
  return `${v.toFixed(1)}${p ? ` (${(v / p).toFixed(2)}×)` : ''}`;
};
const lines = [`| workload | ${backends.join(' | ')} |`, `|---|${backends.map(() => '---').join('|')}|`];
for (const w of ['ae', 'ae4', 'lstm', 'gru', 'unet']) {
  lines.push(`| ${label[w]} ms/step | ${backends.map((b) => cell(rows.find((r) => r.backend === b && r.workload === w), 'trainMs')).join(' | ')} |`);
  lines.push(`| ${label[w]} forward ms | ${backends.map((b) => cell(rows.find((r) => r.backend === b && r.workload === w), 'fwdMs')).join(' | ')} |`);
}
console.log(lines.join('\n'));
for (const r of rows.filter((r) => r.error)) console.log(`note: ${r.backend} ${r.workload}: ${r.error}`);
const wasmDetail = rows.find((r) => r.backend === 'wasm')?.detail;
if (wasmDetail) console.log(`note: wasm column = ${String(wasmDetail)}`);

const out = opt('out', join(root, 'bench', smoke ? 'results.smoke.json' : 'results.json'));
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), smoke, steps, rows }, null, 2) + '\n');
console.error(`bench: wrote ${out}`);
const failed = rows.filter((r) => r.error && (r.backend === 'libtorch' || r.backend === 'pytorch'));
if (smoke && failed.length) process.exitCode = 1;
