/**
 * Exactly-once replay under injected faults, against an in-memory MLflow API that keeps
 * duplicate points (so a double-send cannot hide behind a SQL store's deduplication).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FileStore } from '../framework/tracking/filestore.ts';
import type { MetricPoint } from '../framework/tracking/types.ts';
import { MlflowRestClient } from '../framework/tracking/rest/client.ts';
import { syncRun, syncRuns } from '../framework/tracking/rest/sync.ts';
import { BackgroundFlusher } from '../framework/tracking/rest/flusher.ts';
import { findLocalRun } from '../framework/tracking/rest/layout.ts';
import { FakeMlflow } from './helpers/fake-mlflow.ts';
import { freePort } from './helpers/mlflow-server.ts';

let fake: FakeMlflow | null = null;
afterEach(async () => {
  await fake?.stop();
  fake = null;
});

const T0 = 1_700_000_000_000;
const noWait = { sleep: async () => {} };

function localRun(points: MetricPoint[]): { root: string; runId: string; store: FileStore } {
  const root = mkdtempSync(join(tmpdir(), 'untangle-sync-faults-'));
  const store = new FileStore(root);
  const w = store.createRun({ experimentName: 'faults', runName: 'f' });
  w.logParams({ seed: '1' });
  w.logMetrics(points);
  w.end('FINISHED');
  return { root, runId: w.info.runId, store };
}

const series = (n: number, key = 'loss'): MetricPoint[] => Array.from({ length: n }, (_, s) => ({ key, value: s / 7, step: s, timestamp: T0 + s }));

describe('exactly-once metric replay', () => {
  it('a 500 after the server applied part of a batch: the applied part is not re-sent', async () => {
    fake = await new FakeMlflow().start();
    const { root, runId } = localRun(series(2500));
    // Second metric batch: 300 of its 1000 points land, then the server errors.
    const client = new MlflowRestClient({ uri: fake.url, auth: { kind: 'none' }, sleep: noWait.sleep });
    let batches = 0;
    const r = await syncRun(root, runId, client, {
      ...noWait,
      afterSend: () => { if (++batches === 1) fake!.faults.push({ status: 500, applyFirst: 300 }); },
    });
    const remote = fake.history(r.remoteRunId, 'loss');
    expect(remote.length).toBe(2500);
    expect(remote.map((p) => p.step).sort((a, b) => a - b)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(r.metricsAlreadyThere).toBe(300);
    expect(r.metricsSent).toBe(2200);
    expect(r.complete).toBe(true);
  });

  it('keeps legitimately repeated points: reconciliation counts multiplicities', async () => {
    fake = await new FakeMlflow().start();
    const a = { key: 'acc', value: 0.5, step: 3, timestamp: T0 };
    const { root, runId } = localRun([a, a, { key: 'acc', value: 0.75, step: 4, timestamp: T0 + 1 }, ...series(1200, 'acc').map((p) => ({ ...p, step: p.step + 10 }))]);
    fake.faults.push({ status: 503, applyFirst: 1 }); // only the first copy of `a` lands
    const client = new MlflowRestClient({ uri: fake.url, auth: { kind: 'none' }, retry: { maxRetries: 0 }, sleep: noWait.sleep });
    const r = await syncRun(root, runId, client, noWait);
    const hist = fake.history(r.remoteRunId, 'acc');
    expect(hist.length).toBe(1203);
    expect(hist.filter((p) => p.step === 3 && p.value === 0.5).length).toBe(2);
    // One more copy logged later is one more point on the server.
    const loc = findLocalRun(root, runId)!;
    appendFileSync(join(loc.runDir, 'metrics', 'acc'), `${T0} 0.5 3\n`);
    const again = await syncRun(root, runId, client, noWait);
    expect(again.metricsSent).toBe(1);
    expect(fake.history(r.remoteRunId, 'acc').filter((p) => p.step === 3).length).toBe(3);
  });

  it('a half-written last line is left for later, not sent torn', async () => {
    fake = await new FakeMlflow().start();
    const { root, runId } = localRun(series(10));
    const file = join(findLocalRun(root, runId)!.runDir, 'metrics', 'loss');
    appendFileSync(file, `${T0 + 10} 0.12`); // the writer is mid-line
    const client = new MlflowRestClient({ uri: fake.url, auth: { kind: 'none' } });
    const r1 = await syncRun(root, runId, client);
    expect(r1.metricsSent).toBe(10);
    expect(r1.complete).toBe(false);
    appendFileSync(file, '5 10\n');
    const r2 = await syncRun(root, runId, client);
    expect(r2.metricsSent).toBe(1);
    expect(fake.history(r1.remoteRunId, 'loss').at(-1)).toMatchObject({ timestamp: T0 + 10, value: 0.125, step: 10 });
  });

  it('two syncs of one run at once (flusher + `untangle sync`) make one remote run and no duplicates', async () => {
    fake = await new FakeMlflow().start();
    const { root, runId } = localRun(series(1800));
    const c1 = new MlflowRestClient({ uri: fake.url, auth: { kind: 'none' } });
    const c2 = new MlflowRestClient({ uri: fake.url, auth: { kind: 'none' } });
    const [a, b] = await Promise.all([syncRun(root, runId, c1), syncRuns(root, fake.url, [runId], { client: c2 })]);
    expect(fake.runs.size).toBe(1);
    expect(b.runs[0].result!.remoteRunId).toBe(a.remoteRunId);
    expect(fake.history(a.remoteRunId, 'loss').length).toBe(1800);
    expect(a.metricsSent + b.runs[0].result!.metricsSent).toBe(1800);
  });
});

describe('BackgroundFlusher', () => {
  it('warns once per outage naming the backlog, then replays everything when the server appears', async () => {
    const port = await freePort();
    const { root, runId, store } = localRun(series(40));
    const warnings: string[] = [];
    const client = new MlflowRestClient({ uri: `http://127.0.0.1:${port}`, auth: { kind: 'none' }, retry: { maxRetries: 0 } });
    const f = new BackgroundFlusher(root, runId, client, { intervalMs: 60_000, warn: (m) => warnings.push(m), warnEveryMs: 3_600_000 });
    const o1 = await f.flushNow();
    const o2 = await f.flushNow();
    expect(o1.ok || o2.ok).toBe(false);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain('40 metric points');
    expect(warnings[0]).toMatch(/other events/);
    // More training while down grows the backlog.
    store.openRun(runId).logMetrics([{ key: 'loss', value: 9, step: 99, timestamp: T0 + 99 }]);
    expect(f.backlog().metricPoints).toBe(41);

    fake = await new FakeMlflow().start(port);
    const done = await f.stop(10_000);
    expect(done.ok).toBe(true);
    expect(warnings.at(-1)).toContain('reachable again');
    const remoteId = done.ok ? done.result.remoteRunId : '';
    expect(fake.history(remoteId, 'loss').length).toBe(41);
    expect(f.backlog()).toEqual({ metricPoints: 0, otherEvents: 0 });
  });

  it('never leaks credentials from the URI into reports', async () => {
    const port = await freePort();
    const { root } = localRun(series(2));
    const report = await syncRuns(root, `http://ada:Sup3r-S3cret@127.0.0.1:${port}`, undefined, { ...noWait });
    expect(report.ok).toBe(false);
    expect(report.server).not.toContain('Sup3r-S3cret');
    expect(JSON.stringify(report)).not.toContain('Sup3r-S3cret');
    expect(report.runs[0].errorCode).toBe('MLFLOW_UNREACHABLE');
  });
});
