/**
 * Real MLflow reads the local store: a run written by untangle's FileStore is listed by
 * `mlflow.MlflowClient('file:<root>')` (Python, MLFLOW_ALLOW_FILE_STORE=true) with the same
 * params, tags, status and metric history. A sync sidecar next to the run must not disturb it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FileStore } from '../framework/tracking/filestore.ts';
import type { MetricPoint } from '../framework/tracking/types.ts';
import { findLocalRun } from '../framework/tracking/rest/layout.ts';
import { freshState, saveState } from '../framework/tracking/rest/sync-state.ts';
import { requireMlflowOrSkip } from './helpers/mlflow-server.ts';

const RUN = requireMlflowOrSkip('test/mlflow-filestore-reader.test.ts');

const READER = `
import json, math, sys
import mlflow
from mlflow.entities import ViewType
root, run_id = sys.argv[1], sys.argv[2]
c = mlflow.MlflowClient('file:' + root)
exps = c.search_experiments(view_type=ViewType.ALL)
runs = c.search_runs([e.experiment_id for e in exps], run_view_type=ViewType.ALL)
r = c.get_run(run_id)
def enc(v):
    if math.isnan(v): return 'nan'
    if math.isinf(v): return 'inf' if v > 0 else '-inf'
    return v
hist = {k: [[m.timestamp, enc(m.value), m.step] for m in c.get_metric_history(run_id, k)] for k in r.data.metrics}
print(json.dumps({
  'experiments': sorted(e.name for e in exps),
  'run_ids': sorted(x.info.run_id for x in runs),
  'status': r.info.status, 'run_name': r.info.run_name,
  'start_time': r.info.start_time, 'end_time': r.info.end_time,
  'params': r.data.params, 'tags': r.data.tags,
  'latest': {k: enc(v) for k, v in r.data.metrics.items()},
  'history': hist,
}))
`;

function enc(v: number): number | string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

describe.runIf(RUN)('MLflow reads the local FileStore layout', () => {
  const root = mkdtempSync(join(tmpdir(), 'untangle-fs-reader-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists the run, its params, tags, status and metric history as written', () => {
    const store = new FileStore(root);
    const w = store.createRun({ experimentName: 'dsprites-betavae', runName: 'reader-check', startTime: 1_700_000_000_000 });
    const params = { 'model/z_dim': '10', 'optim/lr': '0.0005', 'loss/beta': '4', 'data.name': 'dsprites' };
    w.logParams(params);
    w.setTags({ 'untangle.config_hash': 'f00d', 'untangle.backend': 'cpu' });
    const pts: MetricPoint[] = [];
    for (let s = 0; s < 50; s++) {
      pts.push({ key: 'loss/total', value: 80 / (s + 1) + 0.125, step: s * 10, timestamp: 1_700_000_000_000 + s * 7 });
      pts.push({ key: 'kl', value: s * 1e-7, step: s * 10, timestamp: 1_700_000_000_000 + s * 7 });
    }
    pts.push({ key: 'edge', value: NaN, step: 0, timestamp: 1_700_000_000_001 });
    pts.push({ key: 'edge', value: Infinity, step: 1, timestamp: 1_700_000_000_002 });
    pts.push({ key: 'edge', value: -Infinity, step: 2, timestamp: 1_700_000_000_003 });
    w.logMetrics(pts);
    w.end('FINISHED');
    // A sync sidecar, as the MLflow sync leaves next to a run: MLflow must ignore it.
    const loc = findLocalRun(root, w.info.runId)!;
    saveState(loc.runDir, { ...freshState('http://mlflow.lab:5000', w.info.runId), remoteRunId: 'r' });
    writeFileSync(join(loc.runDir, 'artifacts', 'note.txt'), 'hi');

    const py = spawnSync('python', ['-c', READER, root, w.info.runId], {
      encoding: 'utf8', env: { ...process.env, MLFLOW_ALLOW_FILE_STORE: 'true' }, timeout: 90_000,
    });
    expect(py.status, py.stderr).toBe(0);
    expect(py.stderr).not.toMatch(/Malformed/);
    const got = JSON.parse(py.stdout) as {
      experiments: string[]; run_ids: string[]; status: string; run_name: string; start_time: number; end_time: number;
      params: Record<string, string>; tags: Record<string, string>; latest: Record<string, unknown>; history: Record<string, unknown[][]>;
    };
    const rec = store.getRun(w.info.runId)!;
    expect(got.experiments).toContain('dsprites-betavae');
    expect(got.run_ids).toEqual([w.info.runId]);
    expect(got.status).toBe('FINISHED');
    expect(got.run_name).toBe('reader-check');
    expect(got.start_time).toBe(1_700_000_000_000);
    expect(got.end_time).toBe(rec.info.endTime);
    expect(got.params).toEqual(params);
    expect(got.tags['untangle.config_hash']).toBe('f00d');
    expect(got.tags['mlflow.runName']).toBe('reader-check');
    for (const key of ['loss/total', 'kl', 'edge']) {
      const want = pts.filter((p) => p.key === key).map((p) => [p.timestamp, enc(p.value), p.step]);
      expect(got.history[key]).toEqual(want);
    }
    // MLflow's "latest" rule: max over (step, timestamp, value).
    expect(got.latest['loss/total']).toBe(80 / 50 + 0.125);
    expect(got.latest.edge).toBe('-inf');
  });
});
