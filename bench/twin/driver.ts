/**
 * Side-by-side driver for a PyTorch-twin benchmark: untangle's training step of a run config
 * (untangle-worker.ts, on libtorch) against a PyTorch script of the same architecture, in one
 * process tree. Each round runs both, one after the other, alternating which goes first, so that
 * both see the same load on a shared machine; reports the median ms/step of each side over the
 * rounds and the median of the per-round ratios. The parameter counts must be equal.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeConfig } from '../../framework/config/compose.ts';
import { defaultResolvers } from '../../framework/trainer/resolvers.ts';
import { sections } from '../../framework/trainer/parts.ts';
import { createRegistry } from '../../registry.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');

/** Single-threaded BLAS and AVX-512 OpenBLAS kernels for both sides (research/backend.md). */
const ENV = { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX', OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

export interface TwinSpec {
  /** Folder under bench/ and the name in the report. */
  name: string;
  label: string;
  baseFiles: string[];
  overrides: string[];
  /** The PyTorch twin, relative to the repository root. */
  twin: string;
}

export interface TwinOptions { rounds: number; steps: number; warmup: number; backend: string; smoke: boolean; out?: string }

type Row = Record<string, unknown> & { side: string; params?: number; trainMs?: number; error?: string };

/** `--rounds N --steps N --warmup N --backend B --smoke --out FILE` (smoke: 1 round of 2 steps). */
export function parseOptions(argv: string[]): TwinOptions {
  const opt = (k: string, d: string) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
  const smoke = argv.includes('--smoke');
  return {
    smoke,
    rounds: Number(opt('rounds', smoke ? '1' : '5')),
    steps: Number(opt('steps', smoke ? '2' : '10')),
    warmup: Number(opt('warmup', smoke ? '1' : '3')),
    backend: opt('backend', 'libtorch'),
    out: argv.includes('--out') ? opt('out', '') : undefined,
  };
}

/** What the twin needs of the resolved config: the model, loss and optimiser params, clipping, batch. */
export function twinConfig(spec: TwinSpec): Record<string, unknown> {
  const composed = composeConfig({ baseFiles: spec.baseFiles, overrides: spec.overrides, registry: createRegistry(), cwd: ROOT, resolvers: defaultResolvers(ROOT) });
  const s = sections(composed.config);
  return {
    model: s.model.params, loss: s.loss.params, optimizer: s.trainer.optimizer.params,
    grad_clip: s.trainer.grad_clip, batch: s.data.batch_size, data: s.data.train.params ?? {},
  };
}

function parse(side: string, r: ReturnType<typeof spawnSync>): Row {
  const out = String(r.stdout ?? '');
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (line) return JSON.parse(line) as Row;
  const err = String(r.stderr ?? r.error ?? '').trim().split('\n').slice(-3).join(' | ');
  return { side, error: `exit ${r.status}: ${err}` };
}

function runSide(side: 'untangle' | 'pytorch', spec: TwinSpec, o: TwinOptions, config: string): Row {
  const common = ['--steps', String(o.steps), '--warmup', String(o.warmup)];
  const r = side === 'pytorch'
    ? spawnSync('python3', [join(ROOT, spec.twin), '--config', config, ...common], { cwd: ROOT, env: ENV, encoding: 'utf8', maxBuffer: 16 << 20 })
    : spawnSync(process.execPath, ['--import', 'tsx', join(here, 'untangle-worker.ts'), '--backend', o.backend, ...common, '--base', ...spec.baseFiles, '--', ...spec.overrides],
      { cwd: ROOT, env: ENV, encoding: 'utf8', maxBuffer: 16 << 20 });
  return parse(side, r);
}

const median = (a: number[]) => { const s = [...a].sort((p, q) => p - q); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

/** Runs the rounds, prints the table and writes bench/<name>/results(.smoke).json; returns the exit code. */
export function runTwin(spec: TwinSpec, o: TwinOptions): number {
  const config = JSON.stringify(twinConfig(spec));
  const rounds: { round: number; first: string; pytorch: Row; untangle: Row }[] = [];
  for (let i = 0; i < o.rounds; i++) {
    const order: ('pytorch' | 'untangle')[] = i % 2 === 0 ? ['pytorch', 'untangle'] : ['untangle', 'pytorch'];
    const got: Partial<Record<'pytorch' | 'untangle', Row>> = {};
    for (const side of order) {
      process.stderr.write(`${spec.name}: round ${i + 1}/${o.rounds} ${side} ...`);
      got[side] = runSide(side, spec, o, config);
      process.stderr.write(` ${got[side]?.trainMs !== undefined ? `${Number(got[side]?.trainMs).toFixed(1)} ms/step` : got[side]?.error}\n`);
    }
    rounds.push({ round: i + 1, first: order[0], pytorch: got.pytorch as Row, untangle: got.untangle as Row });
  }
  const errors = rounds.flatMap((r) => [r.pytorch, r.untangle]).filter((r) => r.error).map((r) => `${r.side}: ${r.error}`);
  const ok = rounds.filter((r) => typeof r.pytorch.trainMs === 'number' && typeof r.untangle.trainMs === 'number');
  const pParams = ok[0]?.pytorch.params, uParams = ok[0]?.untangle.params;
  if (ok.length && pParams !== uParams) errors.push(`parameter counts differ: untangle ${uParams}, PyTorch ${pParams}`);
  const torchMs = ok.map((r) => r.pytorch.trainMs as number), oursMs = ok.map((r) => r.untangle.trainMs as number);
  const ratios = ok.map((r) => (r.untangle.trainMs as number) / (r.pytorch.trainMs as number));
  const summary = ok.length ? { pytorchMs: median(torchMs), untangleMs: median(oursMs), ratio: median(ratios), ratios, rounds: ok.length } : null;
  console.log(`${spec.label} (${o.rounds} rounds × ${o.steps} steps after ${o.warmup} warm-up; params untangle ${uParams ?? '?'} / PyTorch ${pParams ?? '?'})`);
  console.log('| round | first | PyTorch ms/step | untangle ms/step | ratio |');
  console.log('|---|---|---|---|---|');
  for (const r of ok) console.log(`| ${r.round} | ${r.first} | ${(r.pytorch.trainMs as number).toFixed(1)} | ${(r.untangle.trainMs as number).toFixed(1)} | ${((r.untangle.trainMs as number) / (r.pytorch.trainMs as number)).toFixed(2)}× |`);
  if (summary) console.log(`| median | | ${summary.pytorchMs.toFixed(1)} | ${summary.untangleMs.toFixed(1)} | ${summary.ratio.toFixed(2)}× |`);
  for (const e of errors) console.log(`error: ${e}`);
  const out = o.out || join(ROOT, 'bench', spec.name, o.smoke ? 'results.smoke.json' : 'results.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), spec, options: o, summary, errors, rounds }, null, 2)}\n`);
  console.error(`${spec.name}: wrote ${out}`);
  return errors.length ? 1 : 0;
}
