/**
 * The MLflow REST client and offline-first sync against a REAL `mlflow server` (sqlite backend,
 * proxied artifacts). Everything logged is read back through the server's own REST API with
 * plain fetch (not the client under test) and compared with the local store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FileStore } from '../framework/tracking/filestore.ts';
import type { MetricPoint } from '../framework/tracking/types.ts';
import { MlflowRestClient } from '../framework/tracking/rest/client.ts';
import { OfflineFirstTracker } from '../framework/tracking/rest/offline-tracker.ts';
import { syncRun, syncRuns, LOCAL_RUN_ID_TAG } from '../framework/tracking/rest/sync.ts';
import { loadState } from '../framework/tracking/rest/sync-state.ts';
import { findLocalRun } from '../framework/tracking/rest/layout.ts';
import { isUntangleError, UntangleError } from '../framework/util/errors.ts';
import { freePort, MlflowTestServer, pythonHasModule, rawApi, requireMlflowOrSkip } from './helpers/mlflow-server.ts';

const RUN = requireMlflowOrSkip('test/mlflow-server.test.ts');
const FAST_RETRY = { maxRetries: 1, baseDelayMs: 20, maxDelayMs: 50, timeoutMs: 10_000 };
const AUTH = { admin: 'admin', password: 'Untangle-Test-Pw-9731' };

let work: string;
let server: MlflowTestServer;
let authServer: MlflowTestServer | null = null;
let fake401: Server | null = null;
let authUrl = '';
let authKind: 'mlflow basic-auth app' | 'local 401 stand-in' = 'local 401 stand-in';

async function remoteRunOf(localRunId: string): Promise<Record<string, unknown>> {
  const search = await rawApi(server.url, 'POST', 'runs/search', {
    experiment_ids: (await allExperimentIds()), filter: `tags.\`${LOCAL_RUN_ID_TAG}\` = '${localRunId}'`,
  });
  const runs = (search.json.runs ?? []) as Array<{ info: { run_id: string } }>;
  expect(runs.length).toBe(1);
  const got = await rawApi(server.url, 'GET', 'runs/get', { run_id: runs[0].info.run_id });
  return got.json.run as Record<string, unknown>;
}

async function allExperimentIds(): Promise<string[]> {
  const r = await rawApi(server.url, 'POST', 'experiments/search', { max_results: 1000 });
  return ((r.json.experiments ?? []) as Array<{ experiment_id: string }>).map((e) => e.experiment_id);
}

/** Full metric history through the REST API, following next_page_token (small pages on purpose). */
async function remoteHistory(runId: string, key: string): Promise<Array<{ timestamp: number; step: number; value: number | string }>> {
  const out: Array<{ timestamp: number; step: number; value: number | string }> = [];
  let token: string | undefined;
  do {
    const q: Record<string, string> = { run_id: runId, metric_key: key, max_results: '1000' };
    if (token) q.page_token = token;
    const r = await rawApi(server.url, 'GET', 'metrics/get-history', q);
    expect(r.status).toBe(200);
    out.push(...((r.json.metrics ?? []) as typeof out));
    token = r.json.next_page_token as string | undefined;
  } while (token);
  return out;
}

/** What the server is expected to hold for a local value (sqlite keeps ±Inf as ±DBL_MAX, NaN as "NaN"). */
function wireValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return Number.MAX_VALUE;
  if (v === -Infinity) return -Number.MAX_VALUE;
  return v;
}

function sortPts<T extends { step: number; timestamp: number }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

function kvs(run: Record<string, unknown>, kind: 'params' | 'tags'): Record<string, string> {
  const data = run.data as Record<string, Array<{ key: string; value: string }>>;
  return Object.fromEntries((data[kind] ?? []).map((e) => [e.key, e.value]));
}

describe.runIf(RUN)('MLflow REST client against a real mlflow server', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'untangle-mlflow-srv-'));
    // Real basic-auth needs Flask-WTF (pip install mlflow[auth]); a test can point at a
    // side directory holding it with UNTANGLE_MLFLOW_AUTH_PYTHONPATH without touching site-packages.
    const authPath = process.env.UNTANGLE_MLFLOW_AUTH_PYTHONPATH;
    const authEnv: NodeJS.ProcessEnv = authPath ? { ...process.env, PYTHONPATH: authPath } : process.env;
    const realAuth = pythonHasModule('flask_wtf', authEnv);
    const starts: Array<Promise<unknown>> = [
      MlflowTestServer.start({ dir: join(work, 'main') }).then((s) => { server = s; }),
    ];
    if (realAuth) {
      authKind = 'mlflow basic-auth app';
      starts.push(MlflowTestServer.start({ dir: join(work, 'auth'), basicAuth: AUTH, env: authPath ? { PYTHONPATH: authPath } : {} })
        .then((s) => { authServer = s; authUrl = s.url; }));
    } else {
      // Answers exactly as MLflow's basic-auth app does to missing/wrong credentials.
      const port = await freePort();
      fake401 = createServer((_req, res) => {
        res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'WWW-Authenticate': 'Basic realm="mlflow"' });
        res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.');
      });
      await new Promise<void>((r) => fake401!.listen(port, '127.0.0.1', () => r()));
      authUrl = `http://127.0.0.1:${port}`;
    }
    await Promise.all(starts);
    process.stderr.write(`mlflow-server.test: refused-auth case uses the ${authKind}\n`);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await authServer?.stop();
    await new Promise<void>((r) => (fake401 ? fake401.close(() => r()) : r()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('logs params, thousands of metric points, tags and artifacts; the server returns them exactly', async () => {
    const root = join(work, 'runs-roundtrip');
    const local = new FileStore(root);
    const warnings: string[] = [];
    const client = new MlflowRestClient({ uri: server.url, auth: { kind: 'none' } });
    const tracker = new OfflineFirstTracker(local, client, { intervalMs: 200, warn: (m) => warnings.push(m) });
    const run = tracker.createRun({ experimentName: 'roundtrip', runName: 'betavae-s0', tags: { 'untangle.config_hash': 'abc123' } });
    const longValue = 'x'.repeat(7000);
    run.logParams({ 'model/z_dim': '10', 'optim/lr': '0.0001', 'loss/beta': '4', 'data/paths': longValue });
    const t0 = 1_700_000_000_000;
    const pts: MetricPoint[] = [];
    for (let step = 0; step < 1000; step++) {
      pts.push({ key: 'loss/total', value: 100 / (step + 1), step, timestamp: t0 + step });
      pts.push({ key: 'loss/kl', value: Math.sin(step) * 3.25, step, timestamp: t0 + step });
      pts.push({ key: 'lr', value: 1e-4 * 0.999 ** step, step, timestamp: t0 + step });
    }
    pts.push({ key: 'weird', value: NaN, step: 0, timestamp: t0 });
    pts.push({ key: 'weird', value: Infinity, step: 1, timestamp: t0 + 1 });
    pts.push({ key: 'weird', value: -Infinity, step: 2, timestamp: t0 + 2 });
    for (let i = 0; i < pts.length; i += 500) run.logMetrics(pts.slice(i, i + 500));
    const png = new Uint8Array(256).map((_, i) => (i * 37) & 0xff);
    run.logArtifact('config.yaml', 'model:\n  z_dim: 10\n');
    run.logArtifact('plots/recon grid.png', png);
    run.end('FINISHED');
    const closed = await tracker.close();
    expect(closed.ok).toBe(true);

    const remote = await remoteRunOf(run.info.runId);
    const info = remote.info as Record<string, unknown>;
    const remoteId = String(info.run_id);
    expect(info.status).toBe('FINISHED');
    expect(Number(info.end_time)).toBe(local.getRun(run.info.runId)!.info.endTime);
    expect(Number(info.start_time)).toBe(run.info.startTime);
    expect(info.run_name).toBe('betavae-s0');

    const params = kvs(remote, 'params');
    expect(params).toEqual({ 'model/z_dim': '10', 'optim/lr': '0.0001', 'loss/beta': '4' });
    const tags = kvs(remote, 'tags');
    expect(tags['untangle.config_hash']).toBe('abc123');
    expect(tags['mlflow.runName']).toBe('betavae-s0');
    expect(tags[LOCAL_RUN_ID_TAG]).toBe(run.info.runId);
    expect(tags['untangle.param_artifact.data/paths']).toBe('params/data/paths.txt');

    for (const key of ['loss/total', 'loss/kl', 'lr', 'weird']) {
      const want = sortPts(pts.filter((p) => p.key === key)).map((p) => ({ timestamp: p.timestamp, step: p.step, value: wireValue(p.value) }));
      const got = sortPts(await remoteHistory(remoteId, key)).map((p) => ({ timestamp: Number(p.timestamp), step: Number(p.step), value: p.value }));
      expect(got).toEqual(want);
    }

    const art = async (path: string): Promise<Uint8Array> => {
      const r = await fetch(`${server.url}/get-artifact?run_id=${remoteId}&path=${encodeURIComponent(path)}`);
      expect(r.status).toBe(200);
      return new Uint8Array(await r.arrayBuffer());
    };
    expect(new TextDecoder().decode(await art('config.yaml'))).toBe('model:\n  z_dim: 10\n');
    expect(Array.from(await art('plots/recon grid.png'))).toEqual(Array.from(png));
    expect(new TextDecoder().decode(await art('params/data/paths.txt'))).toBe(longValue);
    expect(warnings.some((w) => w.includes('params/data/paths.txt'))).toBe(true);

    // Replaying a fully synced run sends nothing and changes nothing.
    const again = await syncRun(root, run.info.runId, client);
    expect([again.metricsSent, again.paramsSent, again.tagsSent, again.artifactsSent]).toEqual([0, 0, 0, 0]);
    expect((await remoteHistory(remoteId, 'loss/total')).length).toBe(1000);
  });

  it('keeps training while the server is down, warns with the backlog, and replays it once when back', async () => {
    const root = join(work, 'runs-outage');
    const local = new FileStore(root);
    const warnings: string[] = [];
    const client = new MlflowRestClient({ uri: server.url, auth: { kind: 'none' }, retry: FAST_RETRY });
    const tracker = new OfflineFirstTracker(local, client, { intervalMs: 60_000, warn: (m) => warnings.push(m), warnEveryMs: 0 });
    const run = tracker.createRun({ experimentName: 'outage', runName: 'r' });
    run.logParams({ seed: '0' });
    const t0 = 1_700_000_000_000;
    const log = (from: number, to: number): number => {
      const started = performance.now();
      for (let s = from; s < to; s++) run.logMetrics([{ key: 'loss', value: 1 / (s + 1), step: s, timestamp: t0 + s }]);
      return performance.now() - started;
    };
    log(0, 200);
    await run.flush();

    await server.stop();
    const msWhileDown = log(200, 500); // training goes on against the local store only
    expect(msWhileDown).toBeLessThan(5000);
    const down = await tracker.flusher(run.info.runId)!.flushNow();
    expect(down.ok).toBe(false);
    if (!down.ok) {
      expect(down.error.code).toBe('MLFLOW_UNREACHABLE');
      expect(down.backlog.metricPoints).toBe(300);
    }
    expect(warnings.some((w) => w.includes('300 metric points') && w.includes('training continues'))).toBe(true);

    await server.start(); // same port, same sqlite store
    log(500, 600);
    run.end('FINISHED');
    const closed = await tracker.close();
    expect(closed.ok).toBe(true);
    expect(warnings.some((w) => w.includes('reachable again'))).toBe(true);

    const remote = await remoteRunOf(run.info.runId);
    const hist = await remoteHistory(String((remote.info as Record<string, unknown>).run_id), 'loss');
    expect(hist.length).toBe(600);
    expect(new Set(hist.map((p) => p.step)).size).toBe(600);
    expect(sortPts(hist).map((p) => p.step)).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  it('resumes a flush killed mid-batch exactly once, and re-finds the remote run if the sidecar is lost', async () => {
    const root = join(work, 'runs-kill');
    const local = new FileStore(root);
    const w = local.createRun({ experimentName: 'kill', runName: 'k' });
    const t0 = 1_700_000_000_000;
    const pts: MetricPoint[] = [];
    for (let s = 0; s < 2200; s++) pts.push({ key: 'loss', value: Math.cos(s), step: s, timestamp: t0 + s });
    w.logMetrics(pts);
    w.end('FINISHED');
    const client = new MlflowRestClient({ uri: server.url, auth: { kind: 'none' } });

    // The "kill": the second batch reaches the server, then the process dies before recording it.
    let batches = 0;
    const killed = syncRun(root, w.info.runId, client, {
      afterSend: () => { if (++batches === 2) throw new UntangleError('SIMULATED_KILL', 'killed after send'); },
    });
    await expect(killed).rejects.toThrow('killed after send');
    const runDir = findLocalRun(root, w.info.runId)!.runDir;
    const mid = loadState(runDir, client.uri)!;
    expect(mid.metricOffsets.loss).toBeGreaterThan(0);
    expect(Object.keys(mid.pending)).toEqual(['loss']);

    const resumed = await syncRun(root, w.info.runId, client);
    expect(resumed.metricsAlreadyThere).toBe(1000); // the unrecorded batch was found on the server
    expect(resumed.metricsSent).toBe(200); // only the never-sent remainder went out
    expect(resumed.complete).toBe(true);
    const remoteId = resumed.remoteRunId;
    expect((await remoteHistory(remoteId, 'loss')).length).toBe(2200);

    // Lose the sidecar: the run is found by its tag (no twin run) and nothing is re-sent.
    for (const f of readdirSync(runDir)) if (f.startsWith('.untangle-sync-')) unlinkSync(join(runDir, f));
    const adopted = await syncRun(root, w.info.runId, client);
    expect(adopted.adopted).toBe(true);
    expect(adopted.created).toBe(false);
    expect(adopted.remoteRunId).toBe(remoteId);
    expect(adopted.metricsSent).toBe(0);
    expect(adopted.metricsAlreadyThere).toBe(2200);
    expect((await remoteHistory(remoteId, 'loss')).length).toBe(2200);
  });

  it('syncs a sweep: children show their parent by its remote id', async () => {
    const root = join(work, 'runs-sweep');
    const local = new FileStore(root);
    const parent = local.createRun({ experimentName: 'sweep', runName: 'sweep-beta' });
    parent.end('FINISHED');
    const children = [1, 4, 16].map((beta) => {
      const c = local.createRun({ experimentName: 'sweep', runName: `beta=${beta}`, tags: { 'mlflow.parentRunId': parent.info.runId } });
      c.logParams({ 'loss/beta': String(beta) });
      c.logMetrics([{ key: 'loss', value: beta, step: 0, timestamp: 1_700_000_000_000 }]);
      c.end('FINISHED');
      return c;
    });
    // Children listed first on purpose: the parent must still be created before them.
    const report = await syncRuns(root, server.url, [...children.map((c) => c.info.runId), parent.info.runId]);
    expect(report.ok).toBe(true);
    const remoteParent = await remoteRunOf(parent.info.runId);
    const remoteParentId = String((remoteParent.info as Record<string, unknown>).run_id);
    expect(remoteParentId).not.toBe(parent.info.runId);
    const kids = await rawApi(server.url, 'POST', 'runs/search', {
      experiment_ids: [String((remoteParent.info as Record<string, unknown>).experiment_id)],
      filter: `tags.\`mlflow.parentRunId\` = '${remoteParentId}'`,
    });
    const names = ((kids.json.runs ?? []) as Array<{ info: { run_name: string } }>).map((r) => r.info.run_name).sort();
    expect(names).toEqual(['beta=1', 'beta=16', 'beta=4']);
    // Default selection (never fully synced) is now empty: nothing left to push.
    expect((await syncRuns(root, server.url)).runs).toEqual([]);
  });

  it('gives clear errors: bad URI, unreachable server, wrong path, refused auth, unsupported artifact scheme', async () => {
    const catchErr = async (f: () => unknown): Promise<UntangleError> => {
      try {
        await f();
      } catch (e) {
        if (isUntangleError(e)) return e;
        throw e;
      }
      throw new Error('expected an UntangleError');
    };
    const bad = await catchErr(() => new MlflowRestClient({ uri: 'ftp://mlflow.lab:5000' }));
    expect(bad.code).toBe('MLFLOW_BAD_URI');
    expect(bad.message).toContain("'ftp'");
    expect((await catchErr(() => new MlflowRestClient({ uri: 'mlflow server please' }))).code).toBe('MLFLOW_BAD_URI');

    const closedPort = await freePort();
    const unreachable = await catchErr(() => new MlflowRestClient({ uri: `http://127.0.0.1:${closedPort}`, auth: { kind: 'none' }, retry: FAST_RETRY }).getOrCreateExperiment('x'));
    expect(unreachable.code).toBe('MLFLOW_UNREACHABLE');
    expect(unreachable.message).toContain(`127.0.0.1:${closedPort}`);
    expect(unreachable.message).toContain('ECONNREFUSED');

    const wrongPath = await catchErr(() => new MlflowRestClient({ uri: `${server.url}/not-mlflow`, auth: { kind: 'none' } }).getOrCreateExperiment('x'));
    expect(['MLFLOW_NOT_MLFLOW', 'MLFLOW_API_ERROR']).toContain(wrongPath.code);
    expect(wrongPath.context.status).toBe(404);

    // Refused auth: wrong basic credentials and a bogus bearer token. Secrets never leak.
    const secret = 'Wrong-Secret-Pw-4242';
    const basic = await catchErr(() => new MlflowRestClient({ uri: authUrl, auth: { kind: 'basic', username: 'admin', password: secret } }).getOrCreateExperiment('x'));
    expect(basic.code).toBe('MLFLOW_AUTH');
    expect(basic.context.status).toBe(401);
    expect(basic.format()).toContain('MLFLOW_TRACKING_USERNAME');
    const token = 'tok-SECRET-abcdef-123456';
    const bearer = await catchErr(() => new MlflowRestClient({ uri: authUrl, auth: { kind: 'bearer', token } }).getOrCreateExperiment('x'));
    expect(bearer.code).toBe('MLFLOW_AUTH');
    for (const e of [basic, bearer]) {
      const text = `${e.format()} ${JSON.stringify(e.context)} ${e.stack}`;
      for (const s of [secret, token, Buffer.from(`admin:${secret}`).toString('base64')]) expect(text).not.toContain(s);
    }
    // Credentials in the URI are moved to the Authorization header, never into the printed URI.
    const inUri = new MlflowRestClient({ uri: `http://admin:${secret}@127.0.0.1:1`, auth: { kind: 'none' } });
    expect(inUri.uri).not.toContain(secret);
    if (authServer) {
      // With the right credentials the same server accepts us: the 401s above were about auth.
      const ok = new MlflowRestClient({ uri: authUrl, auth: { kind: 'basic', username: AUTH.admin, password: AUTH.password } });
      expect(await ok.getOrCreateExperiment('auth-ok')).toMatch(/^\d+$/);
    }

    // Unsupported artifact scheme: an experiment whose artifact root is on S3.
    const created = await rawApi(server.url, 'POST', 'experiments/create', { name: 's3-exp', artifact_location: 's3://lab-bucket/mlflow' });
    expect(created.status).toBe(200);
    const root = join(work, 'runs-s3');
    const local = new FileStore(root);
    const w = local.createRun({ experimentName: 's3-exp', runName: 's3' });
    w.logMetrics([{ key: 'loss', value: 1, step: 0, timestamp: 1_700_000_000_000 }]);
    w.logArtifact('model.bin', new Uint8Array([1, 2, 3]));
    w.end('FINISHED');
    const client = new MlflowRestClient({ uri: server.url, auth: { kind: 'none' } });
    const s3 = await catchErr(() => syncRun(root, w.info.runId, client));
    expect(s3.code).toBe('MLFLOW_ARTIFACT_SCHEME');
    expect(s3.message).toContain("'s3'");
    // Metrics went before artifacts: the run's curves are on the server despite the artifact error.
    const state = loadState(findLocalRun(root, w.info.runId)!.runDir, client.uri)!;
    expect(state.complete).toBe(false);
    expect((await remoteHistory(state.remoteRunId!, 'loss')).length).toBe(1);
    expect(existsSync(join(work, 'main', 'artifacts'))).toBe(true);
    const report = await syncRuns(root, server.url, [w.info.runId]);
    expect(report.ok).toBe(false);
    expect(report.runs[0].errorCode).toBe('MLFLOW_ARTIFACT_SCHEME');
    expect(readFileSync(join(findLocalRun(root, w.info.runId)!.runDir, 'artifacts', 'model.bin')).length).toBe(3);
  });
});
