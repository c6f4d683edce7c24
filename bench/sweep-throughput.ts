/**
 * Local launcher throughput: the same 4-trial sweep with --jobs 1 and --jobs 2 (one compute thread
 * per trial), wall-clock seconds for each. Run: npx tsx bench/sweep-throughput.ts [steps]
 * Uses the test toy components (a plugin) on the cpu backend so it needs no data.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSweep } from '../framework/sweep/run.ts';
import { specFromArgs } from '../framework/sweep/spec.ts';
import { sweepRegistry, sweepProject, PLUGIN_ENV } from '../test/helpers/sweep-fixture.ts';

const steps = Number(process.argv[2] ?? 1500);
const times: Record<number, number> = {};
for (const jobs of [1, 2]) {
  const dir = sweepProject();
  const spec = specFromArgs(['toy.yaml'], [`trainer.max_steps=${steps}`, 'trainer.log_every=100', 'trainer.ckpt_every=100000', 'model.params.latent=2,4', 'seed=range(2)'], { target: 'untangle.launchers.Local', params: { jobs } });
  const t0 = Date.now();
  const out = await runSweep({ registry: sweepRegistry(), spec, cwd: dir, log: () => undefined, env: PLUGIN_ENV });
  times[jobs] = (Date.now() - t0) / 1000;
  if (out.status !== 'FINISHED') throw new Error(`sweep ${out.status}`);
  const sps = out.trials.map((t) => {
    const f = readFileSync(join(dir, 'runs', '1', t.runId!, 'metrics', 'train', 'steps_per_sec'), 'utf8').trim().split('\n');
    return Number(f[f.length - 1].split(' ')[1]);
  });
  console.log(`jobs=${jobs}: 4 trials × ${steps} steps in ${times[jobs].toFixed(1)} s (per-trial steps/s at the end: ${sps.map((s) => s.toFixed(0)).join(', ')})`);
}
console.log(`speed-up with 2 jobs: ${(times[1] / times[2]).toFixed(2)}×`);
