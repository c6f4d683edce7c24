import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { executeRun } from '../framework/run/execute.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { ComponentRegistry } from '../framework/registry/registry.ts';
import { defineComponent, type ComponentSpec } from '../framework/registry/types.ts';
import { auditFingerprint } from '../framework/audit/check.ts';
import { auditRerun, toleranceFor } from '../framework/run/rerun.ts';
import { diffRuns, formatRunDiff } from '../framework/audit/diff-runs.ts';
import { ALL_SPECS } from '../registry.ts';
import { Bars, TinyAE, TOY_SPECS, TOY_CONFIG, toyTrainingRegistry } from './helpers/toy-components.ts';
import { Rng } from '../framework/util/rng.ts';
import { writeTree } from './helpers/fixtures.ts';
import { untangle } from './helpers/cli.ts';
import { PLUGIN_ENV } from './helpers/sweep-fixture.ts';

const quiet = () => undefined;

/** The toy registry with some specs swapped: what "the code changed since the run" looks like. */
function registryWith(...swapped: ComponentSpec[]): ComponentRegistry {
  const targets = new Set(swapped.map((s) => s.target));
  return new ComponentRegistry().registerAll([...ALL_SPECS, ...TOY_SPECS.filter((s) => !targets.has(s.target)), ...swapped]);
}

/** TinyAE that gained a parameter (with a default) after the run: its resolved config now differs. */
const tinyAeWithNewKnob = defineComponent({
  target: 'test.models.TinyAE', kind: 'model', description: 'tiny AE, newer',
  schema: { type: 'object', additionalProperties: false, properties: { latent: { type: 'integer', default: 4 }, noise: { type: 'number', default: 0.1 }, dropout: { type: 'number', default: 0 } } },
  create: (p: { latent: number; noise: number }, ctx) => new TinyAE(p.latent, new Rng(ctx.seed), p.noise),
}) as ComponentSpec;

/** Bars whose data changed (its digest is the dataset's content hash). */
class BarsV2 extends Bars {
  override fingerprint() {
    return { name: 'bars', digest: 'bars-v2', source: 'procedural:test-bars' };
  }
}
const barsV2 = defineComponent({
  target: 'test.datasets.Bars', kind: 'dataset', description: 'bars v2',
  schema: { type: 'object', additionalProperties: false, properties: { poison: { type: 'boolean', default: false } } },
  create: () => new BarsV2(),
}) as ComponentSpec;

/** An MSE that changed numerically by 0.1 %: same config, different losses. */
const scaledMse = defineComponent({
  target: 'test.losses.MSE', kind: 'loss', description: 'mse, changed',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    compute: (_b: unknown, out: Record<string, tf.Tensor>) => {
      const mse = tf.mul(1.001, tf.mean(tf.squaredDifference(out.recon, out.target))) as tf.Scalar;
      return { total: mse, terms: { mse } };
    },
  }),
}) as ComponentSpec;

async function toyRun(dir: string, overrides: string[] = []) {
  return executeRun({ registry: toyTrainingRegistry(), baseFiles: ['toy.yaml'], overrides, cwd: dir, log: quiet });
}

describe('reproducibility audits', () => {
  it('two seeded runs write identical metric values and steps, and identical checkpoints', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const a = await toyRun(dir);
    const b = await toyRun(dir);
    const store = new FileStore(join(dir, 'runs'));
    const keys = readdirSync(join(store.runDir(a.runId)!, 'metrics', 'train')).filter((k) => k !== 'steps_per_sec').sort();
    expect(keys).toEqual(['epoch', 'loss', 'lr', 'mse']);
    // Drop the timestamp column; everything else must be byte-identical.
    const body = (runId: string, k: string) => readFileSync(join(store.runDir(runId)!, 'metrics', 'train', k), 'utf8').split('\n').map((l) => l.split(' ').slice(1).join(' ')).join('\n');
    for (const k of keys) expect(body(b.runId, k), k).toBe(body(a.runId, k));
    expect(body(a.runId, 'loss').trim().split('\n')).toHaveLength(4);
    const ckpt = (runId: string) => readFileSync(join(store.artifactDir(runId)!, 'checkpoints/last.safetensors'));
    expect(ckpt(b.runId).equals(ckpt(a.runId))).toBe(true);
  });

  it('a fingerprint audit passes right after the run, and catches a changed config default and a changed dataset', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const run = await toyRun(dir);
    const store = new FileStore(join(dir, 'runs'));
    const same = await auditFingerprint({ registry: toyTrainingRegistry(), store, runId: run.runId, cwd: dir });
    expect(same.items.filter((i) => !i.ok)).toEqual([]);
    expect(same.items.map((i) => i.name)).toEqual(expect.arrayContaining(['git commit', 'package-lock sha256', 'node', 'tfjs-core', 'backend', 'dataset', 'config sha256']));

    const knob = await auditFingerprint({ registry: registryWith(tinyAeWithNewKnob), store, runId: run.runId, cwd: dir });
    expect(knob.ok).toBe(false);
    const cfg = knob.items.find((i) => i.name === 'config sha256')!;
    expect(cfg.ok).toBe(false);
    expect(cfg.recorded).toBe(run.configHash);
    expect(cfg.detail).toContain('+ model.params.dropout: 0');
    expect(knob.items.filter((i) => !i.ok).map((i) => i.name)).toEqual(['config sha256']);

    const data = await auditFingerprint({ registry: registryWith(barsV2), store, runId: run.runId, cwd: dir });
    expect(data.items.filter((i) => !i.ok).map((i) => [i.name, i.recorded, i.current])).toEqual([['dataset', 'bars bars-v1', 'bars bars-v2']]);
  });

  it('--rerun reproduces the whole loss history exactly; a numerically changed loss fails the audit', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const run = await toyRun(dir);
    const store = new FileStore(join(dir, 'runs'));
    const ok = await auditRerun({ registry: toyTrainingRegistry(), store, runId: run.runId, cwd: dir, log: quiet });
    expect(ok.ok).toBe(true);
    expect(ok.sameEnvironment).toBe(true);
    const loss = ok.metrics.find((m) => m.key === 'train/loss')!;
    expect(loss).toMatchObject({ verdict: 'pass', maxDelta: 0, tolerance: 0, steps: 4 });
    expect(ok.metrics.find((m) => m.key === 'train/steps_per_sec')!.verdict).toBe('skipped');
    const rerun = store.getRun(ok.rerunId)!;
    expect(rerun.tags['untangle.audit_of']).toBe(run.runId);
    expect(rerun.tags['untangle.config_sha256']).toBe(run.configHash);
    expect(rerun.info.runName).toBe(store.getRun(run.runId)!.info.runName);

    const bad = await auditRerun({ registry: registryWith(scaledMse), store, runId: run.runId, cwd: dir, log: quiet });
    expect(bad.ok).toBe(false);
    const l = bad.metrics.find((m) => m.key === 'train/loss')!;
    expect(l.verdict).toBe('FAIL');
    expect(l.maxDelta!).toBeGreaterThan(0);
    // A tolerance wide enough for 0.1 % passes it.
    const loose = await auditRerun({ registry: registryWith(scaledMse), store, runId: run.runId, cwd: dir, log: quiet, tolerances: { 'train/*': 0.01 } });
    expect(loose.metrics.find((m) => m.key === 'train/loss')!.verdict).toBe('pass');
  });

  it('--steps K audits the first K steps of a longer run', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const run = await toyRun(dir);
    const store = new FileStore(join(dir, 'runs'));
    const a = await auditRerun({ registry: toyTrainingRegistry(), store, runId: run.runId, cwd: dir, steps: 10, log: quiet });
    expect(a.ok).toBe(true);
    expect(a.metrics.find((m) => m.key === 'train/loss')).toMatchObject({ verdict: 'pass', steps: 2, maxDelta: 0 });
    expect(store.metricHistory(a.rerunId, 'train/loss').map((p) => p.step)).toEqual([5, 10]);
  });

  it('tolerances: exact key, then the longest prefix glob, then *, else 0', () => {
    const t = { 'train/*': 1e-4, 'train/loss': 0, '*': 0.5, 'eval/mig/*': 0.01 };
    expect(toleranceFor('train/loss', t)).toBe(0);
    expect(toleranceFor('train/mse', t)).toBe(1e-4);
    expect(toleranceFor('eval/mig/score', t)).toBe(0.01);
    expect(toleranceFor('eval/dci/score', t)).toBe(0.5);
    expect(toleranceFor('x', {})).toBe(0);
  });

  it('untangle diff shows config key paths and fingerprint differences; the CLI audit exits 1 when a rerun differs', async () => {
    const dir = writeTree({ 'toy.yaml': TOY_CONFIG });
    const a = await toyRun(dir);
    const b = await toyRun(dir, ['model.params.noise=0.2', 'seed=5']);
    const store = new FileStore(join(dir, 'runs'));
    const d = diffRuns(store, a.runId, b.runId);
    expect(d.config).toEqual([
      { path: 'model.params.noise', kind: 'changed', old: 0.1, new: 0.2 },
      { path: 'seed', kind: 'changed', old: 23, new: 5 },
    ]);
    expect(d.fingerprint.map((f) => f.tag)).toEqual(expect.arrayContaining(['untangle.config_sha256', 'untangle.seed']));
    expect(formatRunDiff(d)).toContain('~ model.params.noise: 0.1 -> 0.2');

    const cli = await untangle(['diff', a.runId, b.runId], dir, PLUGIN_ENV);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('~ seed: 23 -> 5');

    // Tamper with the recorded loss at step 10: the rerun must disagree, and the CLI exit 1.
    const lossFile = join(store.runDir(a.runId)!, 'metrics', 'train', 'loss');
    const lines = readFileSync(lossFile, 'utf8').trim().split('\n');
    const [ts, v, step] = lines[1].split(' ');
    lines[1] = `${ts} ${Number(v) + 1e-6} ${step}`;
    writeFileSync(lossFile, `${lines.join('\n')}\n`);
    const audit = await untangle(['audit', a.runId, '--rerun'], dir, PLUGIN_ENV);
    expect(audit.status).toBe(1);
    expect(audit.stdout).toMatch(/train\/loss\s.*FAIL/);
    expect(audit.stdout).toMatch(/train\/mse\s.*pass/);
    expect(audit.stdout).toContain('FAIL: 1 metric(s) outside tolerance');
  });
});
