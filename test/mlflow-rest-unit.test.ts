/**
 * The REST client's rules without a real MLflow: retry policy (against a local HTTP server that
 * fails on purpose), batching limits, key rules, value encoding, credential redaction.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MlflowRestClient } from '../framework/tracking/rest/client.ts';
import { planLogBatches } from '../framework/tracking/rest/batching.ts';
import { encodeMetricValue, keyProblem, sanitizeKey, metricPointIdentity } from '../framework/tracking/rest/limits.ts';
import { authFromEnv, redact } from '../framework/tracking/rest/auth.ts';
import { artifactTarget, proxyPath } from '../framework/tracking/rest/artifact-target.ts';
import { placeParams } from '../framework/tracking/rest/oversized.ts';
import { parseMetricValue } from '../framework/tracking/rest/metric-lines.ts';
import { isUntangleError, type UntangleError } from '../framework/util/errors.ts';
import type { MetricPoint } from '../framework/tracking/types.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let srv: Server | null = null;

async function serve(handler: Handler): Promise<{ url: string; hits: Array<{ path: string; auth?: string; body: string }> }> {
  const hits: Array<{ path: string; auth?: string; body: string }> = [];
  srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, hits };
}

afterEach(async () => {
  srv?.closeAllConnections(); // a hung handler keeps its socket open
  await new Promise<void>((r) => (srv ? srv.close(() => r()) : r()));
  srv = null;
});

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const noSleep = { sleep: async () => {}, jitterSeed: 1 };

async function caught(p: Promise<unknown>): Promise<UntangleError> {
  try {
    await p;
  } catch (e) {
    if (isUntangleError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('retry policy', () => {
  it('retries 503 and 429 (honouring Retry-After) until success', async () => {
    let n = 0;
    const { url, hits } = await serve((_q, _b, res) => {
      n++;
      if (n === 1) return json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
      if (n === 2) return json(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'Retry-After': '0' });
      return json(res, 200, { experiment: { experiment_id: '7', name: 'e', lifecycle_stage: 'active' } });
    });
    const c = new MlflowRestClient({ uri: url, auth: { kind: 'none' }, ...noSleep });
    expect(await c.getOrCreateExperiment('e')).toBe('7');
    expect(hits.length).toBe(3);
  });

  it('never retries a 4xx other than 429, and reports the server error', async () => {
    const { url, hits } = await serve((_q, _b, res) => json(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'nope' }));
    const c = new MlflowRestClient({ uri: url, auth: { kind: 'none' }, ...noSleep });
    const e = await caught(c.setTag('r1', 'a', 'b'));
    expect(e.code).toBe('MLFLOW_API_ERROR');
    expect(e.message).toContain('INVALID_PARAMETER_VALUE: nope');
    expect(hits.length).toBe(1);
  });

  it('does not blindly re-send a metric batch after an ambiguous 500 (sync reconciles instead)', async () => {
    const { url, hits } = await serve((_q, _b, res) => json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'db hiccup' }));
    const c = new MlflowRestClient({ uri: url, auth: { kind: 'none' }, ...noSleep });
    const e = await caught(c.logBatch('r1', { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 1 }] }));
    expect(e.context.status).toBe(500);
    expect(hits.length).toBe(1);
    // …while an idempotent request (tags) is retried on the same answer.
    await caught(c.logBatch('r1', { tags: { a: 'b' } }));
    expect(hits.length).toBe(1 + 5);
  });

  it('times out a hung request per attempt and says so', async () => {
    const { url, hits } = await serve(() => { /* never answers */ });
    const c = new MlflowRestClient({ uri: url, auth: { kind: 'none' }, retry: { maxRetries: 1, timeoutMs: 150 }, ...noSleep });
    const t = performance.now();
    const e = await caught(c.getRun('r1'));
    expect(e.code).toBe('MLFLOW_TIMEOUT');
    expect(hits.length).toBe(2);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('backs off exponentially with full jitter', async () => {
    const delays: number[] = [];
    const c = new MlflowRestClient({
      uri: 'http://127.0.0.1:1', auth: { kind: 'none' }, jitterSeed: 3,
      retry: { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 }, sleep: async (ms) => { delays.push(ms); },
    });
    const e = await caught(c.getRun('r1'));
    expect(e.code).toBe('MLFLOW_UNREACHABLE');
    expect(delays.length).toBe(5);
    const caps = [100, 200, 400, 800, 1000];
    delays.forEach((d, i) => { expect(d).toBeGreaterThanOrEqual(0); expect(d).toBeLessThanOrEqual(caps[i]); });
    expect(new Set(delays).size).toBeGreaterThan(1); // jittered, not a fixed ladder
  });
});

describe('auth', () => {
  it('sends basic and bearer credentials and never prints them', async () => {
    const { url, hits } = await serve((_q, _b, res) => { res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mlflow"' }); res.end('You are not authenticated.'); });
    const env = { MLFLOW_TRACKING_USERNAME: 'ada', MLFLOW_TRACKING_PASSWORD: 'pw-Zq81!' };
    const basic = authFromEnv(env);
    const e = await caught(new MlflowRestClient({ uri: url, auth: basic, ...noSleep }).getRun('r'));
    expect(hits[0].auth).toBe(`Basic ${Buffer.from('ada:pw-Zq81!').toString('base64')}`);
    expect(e.code).toBe('MLFLOW_AUTH');
    expect(e.context.authMethod).toBe('basic');
    expect(JSON.stringify(e.context) + e.format()).not.toContain('pw-Zq81!');
    const bearer = authFromEnv({ MLFLOW_TRACKING_TOKEN: 'tok-77' });
    await caught(new MlflowRestClient({ uri: url, auth: bearer, ...noSleep }).getRun('r'));
    expect(hits[1].auth).toBe('Bearer tok-77');
    expect(() => authFromEnv({ MLFLOW_TRACKING_USERNAME: 'ada' })).toThrow(/together/);
    expect(redact('x pw y pw', ['pw'])).toBe('x *** y ***');
  });
});

describe('batching and limits', () => {
  it('splits log-batch to ≤1000 metrics, ≤100 params, ≤100 tags, ≤1000 entities and ≤1 MB', () => {
    const metrics: MetricPoint[] = Array.from({ length: 2500 }, (_, i) => ({ key: 'k', value: i, step: i, timestamp: i }));
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, 'v']));
    const b = planLogBatches('r', { metrics, params: Object.entries(params).map(([key, value]) => ({ key, value })) });
    expect(b.every((x) => x.metrics.length <= 1000 && x.params.length <= 100 && x.tags.length <= 100)).toBe(true);
    expect(b.every((x) => x.metrics.length + x.params.length + x.tags.length <= 1000)).toBe(true);
    expect(b.reduce((n, x) => n + x.metrics.length, 0)).toBe(2500);
    expect(b.reduce((n, x) => n + x.params.length, 0)).toBe(250);
    // Order within a kind is kept (history order is replayed as logged).
    expect(b.flatMap((x) => x.metrics.map((m) => m.step))).toEqual(metrics.map((m) => m.step));
    // Size: 100 tags of 8000 chars do not fit in one 1 MB body… but 100 params of 6000 do.
    const big = Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'é'.repeat(8000) }));
    const sized = planLogBatches('r', { tags: big });
    expect(sized.length).toBe(2);
    for (const x of sized) expect(Buffer.byteLength(JSON.stringify(x))).toBeLessThanOrEqual(1_000_000);
  });

  it('knows MLflow key rules and maps bad keys deterministically', () => {
    expect(keyProblem('loss/total')).toBeNull();
    expect(keyProblem('β-vae score')).toBeNull(); // \\w is Unicode-aware on the server
    expect(keyProblem('../x')).toMatch(/normalised/);
    expect(keyProblem('/abs')).toMatch(/normalised/);
    expect(keyProblem('a//b')).toMatch(/normalised/);
    expect(keyProblem('a:b')).toMatch(/only contain/);
    expect(keyProblem('k'.repeat(251))).toMatch(/250/);
    expect(sanitizeKey('model.layers[0]:w')).toBe('model.layers_0__w');
    expect(sanitizeKey('../x')).toBe('__/x');
    const long = sanitizeKey('k'.repeat(300));
    expect(long.length).toBe(250);
    expect(sanitizeKey('k'.repeat(300))).toBe(long);
    expect(keyProblem(long)).toBeNull();
  });

  it('encodes NaN/±Inf as the API expects and reads every spelling back', () => {
    expect([NaN, Infinity, -Infinity, 1.5].map(encodeMetricValue)).toEqual(['NaN', 'Infinity', '-Infinity', 1.5]);
    expect(['nan', 'NaN', 'inf', '-inf', 'Infinity', '-Infinity', '1e-05'].map(parseMetricValue)).toEqual([NaN, NaN, Infinity, -Infinity, Infinity, -Infinity, 1e-5]);
    // SQL stores keep ±Inf as ±DBL_MAX: the reconciliation identity treats them as equal.
    expect(metricPointIdentity({ timestamp: 1, step: 2, value: Infinity })).toBe(metricPointIdentity({ timestamp: 1, step: 2, value: Number.MAX_VALUE }));
  });

  it('moves a param over 6000 characters to an artifact with a pointer tag', () => {
    const p = placeParams({ short: 'a', long: 'b'.repeat(6001), edge: 'c'.repeat(6000) });
    expect(Object.keys(p.params).sort()).toEqual(['edge', 'short']);
    expect(p.artifacts).toEqual([{ path: 'params/long.txt', data: 'b'.repeat(6001) }]);
    expect(p.tags).toEqual({ 'untangle.param_artifact.long': 'params/long.txt' });
  });

  it('routes artifacts by scheme', () => {
    expect(proxyPath(artifactTarget('mlflow-artifacts:/3/abc/artifacts', 'abc') as { prefix: string }, 'plots/a b.png', 'abc'))
      .toBe('/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts/plots/a%20b.png');
    expect(artifactTarget('file:///srv/mlruns/3/abc/artifacts', 'abc')).toEqual({ kind: 'file', dir: '/srv/mlruns/3/abc/artifacts' });
    expect(() => artifactTarget('gs://bucket/x', 'abc')).toThrow(/'gs'/);
    expect(() => proxyPath({ prefix: '3/abc/artifacts' }, '../escape', 'abc')).toThrow(/invalid artifact path/);
  });
});
