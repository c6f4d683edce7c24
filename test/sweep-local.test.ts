import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runSweep } from '../framework/sweep/run.ts';
import { specFromArgs } from '../framework/sweep/spec.ts';
import { loadSweep } from '../framework/sweep/manifest.ts';
import { buildReport, reportCsv, reportMarkdown } from '../framework/sweep/report.ts';
import { FileStore } from '../framework/tracking/filestore.ts';
import { untangle } from './helpers/cli.ts';
import { sweepRegistry, sweepProject, PLUGIN_ENV } from './helpers/sweep-fixture.ts';

const quiet = () => undefined;
const LOCAL = (jobs: number) => ({ target: 'untangle.launchers.Local', params: { jobs } });

/** The final train/loss of a run, read from the MLflow metric file itself ("<ts> <value> <step>" lines). */
function finalLoss(dir: string, runId: string): number {
  const store = new FileStore(join(dir, 'runs'));
  const file = join(store.runDir(runId)!, 'metrics', 'train', 'loss');
  const last = readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ');
  expect(last[2]).toBe('20');
  return Number(last[1]);
}

describe('local sweeps', () => {
  it('4 trials on 2 jobs: every trial a child run of the sweep, and a correct mean ± std report', async () => {
    const dir = sweepProject();
    const spec = specFromArgs(['toy.yaml'], ['model.params.latent=2,4', 'seed=range(2)'], LOCAL(2));
    const out = await runSweep({ registry: sweepRegistry(), spec, cwd: dir, log: quiet, env: PLUGIN_ENV });
    expect(out.status).toBe('FINISHED');
    expect(out.trials.map((t) => t.state)).toEqual(['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);

    const store = new FileStore(join(dir, 'runs'));
    const children = store.searchRuns({ tags: { 'mlflow.parentRunId': out.parentRunId } });
    expect(children).toHaveLength(4);
    for (const t of out.trials) {
      const c = children.find((r) => r.info.runId === t.runId)!;
      expect(c.info.status).toBe('FINISHED');
      expect(c.tags['untangle.sweep_id']).toBe(out.sweepId);
      expect(c.tags['untangle.trial_id']).toBe(t.id);
      expect(c.tags['untangle.override.model.params.latent']).toBe(String(t.overrides['model.params.latent']));
      expect(c.tags['untangle.override.seed']).toBe(String(t.overrides.seed));
      // The override reached the config: the run's recorded root seed is the trial's.
      expect(c.tags['untangle.seed']).toBe(String(t.overrides.seed));
      expect(readFileSync(join(store.artifactDir(c.info.runId)!, 'config/overrides.txt'), 'utf8')).toBe(`model.params.latent=${t.overrides['model.params.latent']}\nseed=${t.overrides.seed}\n`);
    }
    const parent = store.getRun(out.parentRunId)!;
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.tags['untangle.sweep_id']).toBe(out.sweepId);
    const manifest = JSON.parse(readFileSync(join(store.artifactDir(out.parentRunId)!, 'sweep.json'), 'utf8')) as { trials: { id: string; state: string; runId: string }[] };
    expect(manifest.trials.map((t) => [t.id, t.state, t.runId])).toEqual(out.trials.map((t) => [t.id, 'FINISHED', t.runId]));

    // Hand-computed mean ± sample std over the two seeds of each latent size.
    const loss = (latent: number, seed: number) => finalLoss(dir, out.trials.find((t) => t.overrides['model.params.latent'] === latent && t.overrides.seed === seed)!.runId!);
    const report = buildReport(store, loadSweep(store, out.sweepId).manifest, ['train/loss']);
    expect(report.seeded).toBe(true);
    expect(report.keys).toEqual(['model.params.latent']);
    for (const latent of [2, 4]) {
      const [a, b] = [loss(latent, 0), loss(latent, 1)];
      expect(a).not.toBe(b); // different seeds, different runs
      const row = report.rows.find((r) => r.group['model.params.latent'] === latent)!;
      expect(row.n).toBe(2);
      expect(row.stats['train/loss'].mean).toBeCloseTo((a + b) / 2, 12);
      expect(row.stats['train/loss'].std).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 12);
    }
    const csv = reportCsv(report).trim().split('\n');
    expect(csv[0]).toBe('model.params.latent,n,missing,train/loss mean,train/loss std');
    expect(csv).toHaveLength(3);
    const r2 = report.rows[0].stats['train/loss'];
    expect(csv[1]).toBe(`2,2,0,${Number(r2.mean.toPrecision(6))},${Number(r2.std!.toPrecision(6))}`);
    expect(reportMarkdown(report)).toContain(`| \`2\` | 2 | ${Number(r2.mean.toPrecision(6))} ± ${Number(r2.std!.toPrecision(6))} |`);

    // The CLI prints and saves the same table and a plot.
    const cli = await untangle(['sweep', 'report', out.sweepId, '--metric', 'train/loss', '--axis', 'model.params.latent', '--plot', 'loss.png'], dir, PLUGIN_ENV);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(reportMarkdown(report));
    const art = store.artifactDir(out.parentRunId)!;
    expect(readFileSync(join(art, 'report/table.csv'), 'utf8')).toBe(reportCsv(report));
    expect([...readFileSync(join(dir, 'loss.png')).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(existsSync(join(art, 'report/train_loss-vs-model.params.latent.png'))).toBe(true);
  });

  it('a crashing trial is FAILED with its stderr tail, the others finish, and a re-run runs only it', async () => {
    const dir = sweepProject();
    const spec = specFromArgs(['toy.yaml'], ['model.params.latent=2,3,4'], LOCAL(2));
    const registry = sweepRegistry();
    const first = await runSweep({ registry, spec, cwd: dir, log: quiet, env: { ...PLUGIN_ENV, UNTANGLE_TEST_CRASH_LATENT: '3' } });
    expect(first.status).toBe('FAILED');
    const bad = first.trials.find((t) => t.overrides['model.params.latent'] === 3)!;
    expect(bad.state).toBe('FAILED');
    expect(bad.error).toContain('crashing on purpose (latent=3)');
    expect(first.trials.filter((t) => t.state === 'FINISHED')).toHaveLength(2);
    const store = new FileStore(join(dir, 'runs'));
    const failedRun = store.getRun(bad.runId!)!;
    expect(failedRun.info.status).toBe('FAILED');
    expect(failedRun.tags['untangle.stderr_tail']).toContain('crashing on purpose');
    expect(failedRun.tags['mlflow.parentRunId']).toBe(first.parentRunId);
    expect(readFileSync(join(store.artifactDir(first.parentRunId)!, `trials/${bad.id}/stderr-tail.txt`), 'utf8')).toContain('crashing on purpose');

    const again = await runSweep({ registry, spec, cwd: dir, log: quiet, env: PLUGIN_ENV });
    expect(again.sweepId).toBe(first.sweepId);
    expect(again.parentRunId).toBe(first.parentRunId);
    expect(again.launched).toEqual([bad.id]);
    expect(again.status).toBe('FINISHED');
    const now = again.trials.find((t) => t.id === bad.id)!;
    expect(now).toMatchObject({ state: 'FINISHED', attempts: 2 });
    expect(now.runId).not.toBe(bad.runId);
    for (const t of first.trials.filter((x) => x.state === 'FINISHED')) expect(again.trials.find((x) => x.id === t.id)!.runId).toBe(t.runId);
    expect(store.getRun(first.parentRunId)!.info.status).toBe('FINISHED');
  });

  it('Ctrl-C interrupts the running trials: they and the sweep are KILLED', async () => {
    const dir = sweepProject();
    const spec = specFromArgs(['toy.yaml'], ['trainer.max_steps=100000', 'model.params.latent=2,4'], LOCAL(2));
    const controller = new AbortController();
    const store = new FileStore(join(dir, 'runs'));
    const poll = setInterval(() => {
      const live = store.searchRuns().filter((r) => r.tags['untangle.trial_id'] && store.metricHistory(r.info.runId, 'train/loss').length);
      if (live.length === 2) controller.abort();
    }, 200);
    const out = await runSweep({ registry: sweepRegistry(), spec, cwd: dir, log: quiet, env: PLUGIN_ENV, signal: controller.signal }).finally(() => clearInterval(poll));
    expect(out.status).toBe('KILLED');
    expect(out.trials.map((t) => t.state)).toEqual(['KILLED', 'KILLED']);
    for (const t of out.trials) expect(store.getRun(t.runId!)!.info.status).toBe('KILLED');
    expect(store.getRun(out.parentRunId)!.info.status).toBe('KILLED');
  });

  it('a trial whose config does not compose stops the sweep before anything runs', async () => {
    const dir = sweepProject();
    const spec = specFromArgs(['toy.yaml'], ['model.params.latnt=2,4'], LOCAL(1));
    await expect(runSweep({ registry: sweepRegistry(), spec, cwd: dir, log: quiet })).rejects.toMatchObject({ code: 'sweep-trial-config' });
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });
});
