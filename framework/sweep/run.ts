import { randomUUID } from 'node:crypto';
import { join, basename, extname } from 'node:path';
import type { ComponentRegistry } from '../registry/registry.ts';
import { composeConfig } from '../config/compose.ts';
import { ConfigError } from '../config/issues.ts';
import { sections } from '../trainer/parts.ts';
import { defaultResolvers } from '../trainer/resolvers.ts';
import { FileStore } from '../tracking/filestore.ts';
import { localStoreDir } from '../tracking/open.ts';
import type { RunWriter, RunStatus } from '../tracking/types.ts';
import { PACKAGE_ROOT } from '../audit/fingerprint.ts';
import { UntangleError } from '../util/errors.ts';
import { type SweepSpec, sweepTrials, sweepId as computeSweepId } from './spec.ts';
import { trialOverrideArgs, trialLabel } from './trials.ts';
import { buildLauncher, type Launcher, type TrialJob, type TrialExit } from './launcher.ts';
import {
  type Manifest, type ManifestTrial, MANIFEST_REL, SWEEP_ID_TAG, SWEEP_ROLE_TAG, TRIAL_ID_TAG, ATTEMPT_TAG,
  findSweepRun, readManifest, reconcileTrial, overrideTagKey,
} from './manifest.ts';

export interface SweepRequest {
  registry: ComponentRegistry;
  spec: SweepSpec;
  cwd?: string;
  log?: (line: string) => void;
  /** Environment added to every trial (e.g. UNTANGLE_PLUGINS). */
  env?: Record<string, string>;
  /** Aborting it is Ctrl-C (the CLI wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
  /** Use this launcher instead of building spec.launcher (tests). */
  launcher?: Launcher;
}

export interface SweepOutcome {
  sweepId: string;
  parentRunId: string;
  status: RunStatus;
  trials: ManifestTrial[];
  /** Trials this invocation executed (the rest were already FINISHED). */
  launched: string[];
}

/**
 * `untangle sweep`: validate every trial's config up front, record the sweep as an MLflow parent
 * run with a `sweep.json` manifest, launch the trials that are not FINISHED yet, and keep the
 * manifest current as they start and end.
 */
export async function runSweep(req: SweepRequest): Promise<SweepOutcome> {
  const cwd = req.cwd ?? process.cwd();
  const log = req.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { spec } = req;
  const trials = sweepTrials(spec);
  const id = computeSweepId(spec, trials);

  // Every trial's config must compose before anything runs: a typo in one axis value is found now.
  const resolvers = defaultResolvers(cwd);
  const composed = trials.map((t) => {
    const args = [...spec.overrides, ...trialOverrideArgs(t)];
    try {
      return { t, args, c: composeConfig({ baseFiles: spec.baseFiles, overrides: args, registry: req.registry, cwd, resolvers }) };
    } catch (e) {
      if (e instanceof ConfigError) throw new UntangleError('sweep-trial-config', `trial ${t.id} (${trialLabel(t)}) does not compose:\n${e.format()}`, { trial: t.id });
      throw e;
    }
  });
  const first = sections(composed[0].c.config);
  const store = new FileStore(localStoreDir(first.tracking.uri, cwd));
  const experimentName = first.tracking.experiment ?? first.name ?? basename(spec.baseFiles[0] ?? 'sweep', extname(spec.baseFiles[0] ?? ''));
  const launcher = req.launcher ?? buildLauncher(req.registry, spec.launcher);

  const existing = findSweepRun(store, id);
  const run: RunWriter = existing ? store.openRun(existing.info.runId) : store.createRun({
    experimentName, runName: `sweep-${id}`,
    tags: { [SWEEP_ID_TAG]: id, [SWEEP_ROLE_TAG]: 'parent', 'untangle.sweep.trials': String(trials.length) },
  });
  const old = existing ? readManifest(store, existing.info.runId) : null;
  const oldById = new Map((old?.trials ?? []).map((t) => [t.id, t]));
  const manifest: Manifest = {
    sweepId: id, parentRunId: run.info.runId, baseFiles: spec.baseFiles, overrides: spec.overrides,
    axes: spec.axes.map((a) => a.text), launcher: spec.launcher.target,
    trials: composed.map(({ t, args, c }, index) => {
      const prev = oldById.get(t.id);
      const base: ManifestTrial = { id: t.id, index, overrides: t.overrides, args, state: 'PENDING', runId: null, configSha256: c.hash, attempts: 0 };
      return prev ? reconcileTrial(store, id, { ...base, state: prev.state, runId: prev.runId, attempts: prev.attempts, exitCode: prev.exitCode, error: prev.error }) : base;
    }),
  };
  const save = () => run.logArtifact(MANIFEST_REL, `${JSON.stringify(manifest, null, 2)}\n`);
  save();
  const todo = manifest.trials.filter((t) => t.state !== 'FINISHED');
  log(`sweep ${id}: ${manifest.trials.length} trial(s), ${manifest.trials.length - todo.length} already finished, ${todo.length} to run with the ${launcher.name} launcher (parent run ${run.info.runId})`);

  const jobs: TrialJob[] = todo.map((t) => ({
    trial: { id: t.id, overrides: t.overrides },
    index: t.index,
    args: [...spec.baseFiles.flatMap((b, i) => (i === 0 ? ['--base', b] : [b])), ...t.args],
    attempt: randomUUID().replace(/-/g, ''),
    tags: {
      'mlflow.parentRunId': run.info.runId,
      [SWEEP_ID_TAG]: id,
      [TRIAL_ID_TAG]: t.id,
      ...Object.fromEntries(Object.entries(t.overrides).map(([k, v]) => [overrideTagKey(k), typeof v === 'string' ? v : JSON.stringify(v)])),
    },
  }));
  for (const j of jobs) j.tags[ATTEMPT_TAG] = j.attempt;

  const byId = new Map(manifest.trials.map((t) => [t.id, t]));
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const onStart = (job: TrialJob) => {
    const t = byId.get(job.trial.id)!;
    t.state = 'RUNNING';
    t.attempts += 1;
    t.error = undefined;
    save();
  };
  const onExit = (job: TrialJob, exit: TrialExit) => {
    const t = byId.get(job.trial.id)!;
    const child = store.searchRuns({ tags: { [ATTEMPT_TAG]: job.attempt } })[0];
    t.runId = child?.info.runId ?? null;
    // The run's own status wins where it has one (a run can fail after printing success, or not exist).
    t.state = exit.state === 'FINISHED' && child && child.info.status !== 'FINISHED' ? 'FAILED' : exit.state;
    t.exitCode = exit.exitCode;
    if (t.state !== 'FINISHED') recordFailure(store, run, t, child?.info.runId, exit);
    log(`trial ${t.id} ${t.state}${t.runId ? ` (run ${t.runId})` : ''}: ${trialLabel(t)}`);
    save();
  };
  try {
    await launcher.launch(jobs, { cwd, bin: join(PACKAGE_ROOT, 'bin', 'untangle.mjs'), workDir: run.artifactDir, log, signal: controller.signal, onStart, onExit, env: req.env });
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  for (const t of manifest.trials) if (t.state === 'RUNNING' || (controller.signal.aborted && t.state === 'PENDING' && jobs.some((j) => j.trial.id === t.id))) t.state = 'KILLED';
  save();
  const count = (s: string) => manifest.trials.filter((t) => t.state === s).length;
  const status: RunStatus = controller.signal.aborted ? 'KILLED' : count('FINISHED') === manifest.trials.length ? 'FINISHED' : 'FAILED';
  run.setTags({ 'untangle.sweep.finished': String(count('FINISHED')), 'untangle.sweep.failed': String(count('FAILED')), 'untangle.sweep.killed': String(count('KILLED')) });
  run.end(status);
  log(`sweep ${id} ${status}: ${count('FINISHED')} finished, ${count('FAILED')} failed, ${count('KILLED')} killed`);
  return { sweepId: id, parentRunId: run.info.runId, status, trials: manifest.trials, launched: jobs.map((j) => j.trial.id) };
}

/** A failed trial's stderr tail: in the manifest, as an artifact of the sweep and of the trial's run, and as a tag. */
function recordFailure(store: FileStore, parent: RunWriter, t: ManifestTrial, childId: string | undefined, exit: TrialExit): void {
  t.error = exit.stderrTail;
  parent.logArtifact(`trials/${t.id}/stderr-tail.txt`, exit.stderrTail);
  if (!childId) return;
  const child = store.openRun(childId);
  child.logArtifact('stderr-tail.txt', exit.stderrTail);
  child.setTags({ 'untangle.stderr_tail': exit.stderrTail.slice(-4000) || '(empty)' });
  // A process that died without a handler (OOM, SIGKILL) left its run RUNNING: settle it.
  if (store.getRun(childId)?.info.status === 'RUNNING') child.end(t.state === 'KILLED' ? 'KILLED' : 'FAILED');
}
