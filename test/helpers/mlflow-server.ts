/**
 * Start and stop a real `mlflow server` for tests (sqlite backend, proxied artifacts, loopback,
 * one worker), and the honesty rule for its absence: with UNTANGLE_REQUIRE_MLFLOW=1 (CI) a
 * missing mlflow fails the suite; locally it skips with a visible message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export interface MlflowProbe {
  available: boolean;
  version: string | null;
  /** Why not, when not. */
  reason: string | null;
}

export function probeMlflow(): MlflowProbe {
  const r = spawnSync('mlflow', ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) {
    return { available: false, version: null, reason: r.error ? r.error.message : `mlflow --version exited ${r.status}: ${r.stderr}` };
  }
  return { available: true, version: r.stdout.trim(), reason: null };
}

/**
 * Returns true when the suite should run. Throws (failing the file) when mlflow is required but
 * missing; otherwise prints why it is skipped so the skip is never silent.
 */
export function requireMlflowOrSkip(suite: string): boolean {
  const probe = probeMlflow();
  if (probe.available) return true;
  if (process.env.UNTANGLE_REQUIRE_MLFLOW === '1') {
    throw new Error(`${suite}: UNTANGLE_REQUIRE_MLFLOW=1 but mlflow is not usable (${probe.reason}); install it with \`pip install mlflow\``);
  }
  process.stderr.write(`\n*** SKIPPING ${suite}: mlflow is not installed (${probe.reason}). Set UNTANGLE_REQUIRE_MLFLOW=1 to make this a failure. ***\n\n`);
  return false;
}

export function pythonHasModule(mod: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync('python', ['-c', `import ${mod}`], { env, timeout: 60_000 });
  return r.status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  /** Working dir: holds mlflow.db, artifacts/ and the log. */
  dir: string;
  port?: number;
  /** Start MLflow's basic-auth app with this admin password. */
  basicAuth?: { admin: string; password: string };
  env?: NodeJS.ProcessEnv;
}

export class MlflowTestServer {
  private proc: ChildProcess | null = null;
  readonly url: string;

  private constructor(readonly opts: ServerOptions & { port: number }) {
    this.url = `http://127.0.0.1:${opts.port}`;
  }

  static async start(opts: ServerOptions): Promise<MlflowTestServer> {
    const s = new MlflowTestServer({ ...opts, port: opts.port ?? (await freePort()) });
    await s.start();
    return s;
  }

  get logPath(): string {
    return join(this.opts.dir, `server-${this.opts.port}.log`);
  }

  async start(): Promise<void> {
    mkdirSync(this.opts.dir, { recursive: true });
    const args = [
      'server', '--host', '127.0.0.1', '--port', String(this.opts.port), '--workers', '1',
      '--backend-store-uri', `sqlite:///${join(this.opts.dir, 'mlflow.db')}`,
      '--artifacts-destination', join(this.opts.dir, 'artifacts'),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.opts.env };
    if (this.opts.basicAuth) {
      args.push('--app-name', 'basic-auth');
      const ini = join(this.opts.dir, 'basic_auth.ini');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(ini, [
        '[mlflow]', 'default_permission = READ', `database_uri = sqlite:///${join(this.opts.dir, 'auth.db')}`,
        `admin_username = ${this.opts.basicAuth.admin}`, `admin_password = ${this.opts.basicAuth.password}`,
        'authorization_function = mlflow.server.auth:authenticate_request_basic_auth', '',
      ].join('\n'));
      env.MLFLOW_AUTH_CONFIG_PATH = ini;
      env.MLFLOW_FLASK_SERVER_SECRET_KEY = 'untangle-test-only';
    }
    const log = openSync(this.logPath, 'a');
    // Own process group: uvicorn forks, and stop() must take the whole tree down.
    this.proc = spawn('mlflow', args, { cwd: this.opts.dir, env, detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) break;
      try {
        const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        if (r.status === 200) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const tail = readFileSync(this.logPath, 'utf8').slice(-2000);
    await this.stop();
    throw new Error(`mlflow server on port ${this.opts.port} did not become healthy:\n${tail}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.pid === undefined) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    try { process.kill(-p.pid, 'SIGTERM'); } catch { /* already gone */ }
    const killTimer = setTimeout(() => { try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(killTimer);
    // Wait until the port is really closed (a worker may outlive the parent for a moment).
    for (let i = 0; i < 40; i++) {
      try {
        await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(300) });
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        return;
      }
    }
  }
}

/** GET/POST against the server's own REST API, independent of the client under test. */
export async function rawApi(base: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(`${base}/api/2.0/mlflow/${path}`);
  const init: RequestInit = { method, headers: { ...headers } };
  if (method === 'GET' && body) for (const [k, v] of Object.entries(body as Record<string, string>)) url.searchParams.set(k, String(v));
  if (method === 'POST') {
    init.body = JSON.stringify(body ?? {});
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
