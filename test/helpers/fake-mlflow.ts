/**
 * An in-memory stand-in for the parts of MLflow's REST API that sync uses, for fault injection
 * a real server cannot do on demand. Unlike MLflow's SQL stores it does NOT drop duplicate
 * metric points (like a FileStore-backed server), so any double-send shows up in the history.
 */
import { createServer, type Server } from 'node:http';

interface FakeRun {
  info: { run_id: string; experiment_id: string; run_name: string; status: string; start_time: number; end_time?: number; artifact_uri: string; lifecycle_stage: string };
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Array<{ key: string; value: number | string; timestamp: number; step: number }>;
}

export interface Fault {
  /** Fail the next log-batch carrying metrics with this status… */
  status: number;
  /** …after applying this many of its metrics (a partial write before the error). */
  applyFirst: number;
}

export class FakeMlflow {
  readonly experiments = new Map<string, string>();
  readonly runs = new Map<string, FakeRun>();
  readonly artifacts = new Map<string, Buffer>();
  readonly faults: Fault[] = [];
  metricBatches = 0;
  private server: Server | null = null;
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const answer = (status: number, obj: unknown): void => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        try {
          if (req.method === 'PUT' && u.pathname.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) {
            this.artifacts.set(decodeURIComponent(u.pathname.slice('/api/2.0/mlflow-artifacts/artifacts/'.length)), Buffer.from(body));
            return answer(200, {});
          }
          const j = body ? (JSON.parse(body) as Record<string, unknown>) : {};
          const q = Object.fromEntries(u.searchParams.entries());
          const [status, obj] = this.route(u.pathname.replace('/api/2.0/mlflow/', ''), j, q);
          answer(status, obj);
        } catch (e) {
          answer(500, { error_code: 'INTERNAL_ERROR', message: String(e) });
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  history(runId: string, key: string): Array<{ timestamp: number; step: number; value: number | string }> {
    return (this.runs.get(runId)?.metrics ?? []).filter((m) => m.key === key);
  }

  private route(path: string, j: Record<string, unknown>, q: Record<string, string>): [number, unknown] {
    const notFound = (what: string): [number, unknown] => [404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `${what} not found` }];
    switch (path) {
      case 'experiments/get-by-name': {
        const id = this.experiments.get(q.experiment_name);
        return id ? [200, { experiment: { experiment_id: id, name: q.experiment_name, lifecycle_stage: 'active' } }] : notFound('experiment');
      }
      case 'experiments/create': {
        const name = String(j.name);
        if (this.experiments.has(name)) return [400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' }];
        const id = String(this.experiments.size + 1);
        this.experiments.set(name, id);
        return [200, { experiment_id: id }];
      }
      case 'runs/create': {
        const id = `remote${this.runs.size + 1}`;
        const run: FakeRun = {
          info: { run_id: id, experiment_id: String(j.experiment_id), run_name: String(j.run_name ?? ''), status: 'RUNNING',
            start_time: Number(j.start_time), artifact_uri: `mlflow-artifacts:/${String(j.experiment_id)}/${id}/artifacts`, lifecycle_stage: 'active' },
          params: new Map(), tags: new Map(), metrics: [],
        };
        for (const t of (j.tags ?? []) as Array<{ key: string; value: string }>) run.tags.set(t.key, t.value);
        this.runs.set(id, run);
        return [200, { run: { info: run.info, data: {} } }];
      }
      case 'runs/search': {
        const m = /tags\.`([^`]+)` = '([^']*)'/.exec(String(j.filter ?? ''));
        const ids = new Set((j.experiment_ids ?? []) as string[]);
        const runs = [...this.runs.values()].filter((r) => ids.has(r.info.experiment_id) && (!m || r.tags.get(m[1]) === m[2]));
        return [200, { runs: runs.map((r) => this.wire(r)) }];
      }
      case 'runs/get': {
        const r = this.runs.get(q.run_id);
        return r ? [200, { run: this.wire(r) }] : notFound('run');
      }
      case 'runs/update': {
        const r = this.runs.get(String(j.run_id));
        if (!r) return notFound('run');
        if (j.status) r.info.status = String(j.status);
        if (j.end_time !== undefined) r.info.end_time = Number(j.end_time);
        return [200, { run_info: r.info }];
      }
      case 'runs/log-batch': {
        const r = this.runs.get(String(j.run_id));
        if (!r) return notFound('run');
        for (const p of (j.params ?? []) as Array<{ key: string; value: string }>) {
          if (r.params.has(p.key) && r.params.get(p.key) !== p.value) return [400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Changing param values is not allowed' }];
          r.params.set(p.key, p.value);
        }
        for (const t of (j.tags ?? []) as Array<{ key: string; value: string }>) r.tags.set(t.key, t.value);
        const metrics = (j.metrics ?? []) as FakeRun['metrics'];
        if (metrics.length > 0) {
          this.metricBatches++;
          const fault = this.faults.shift();
          if (fault) {
            r.metrics.push(...metrics.slice(0, fault.applyFirst));
            return [fault.status, { error_code: 'INTERNAL_ERROR', message: 'injected fault' }];
          }
          r.metrics.push(...metrics);
        }
        return [200, {}];
      }
      case 'metrics/get-history': {
        const all = this.history(q.run_id, q.metric_key);
        const start = Number(q.page_token ?? 0);
        const size = Math.min(Number(q.max_results ?? 1000), 1000); // small pages: exercise pagination
        const page = all.slice(start, start + size);
        return [200, { metrics: page.map((m) => ({ key: q.metric_key, ...m })), next_page_token: start + size < all.length ? String(start + size) : undefined }];
      }
      default:
        return [404, { error_code: 'ENDPOINT_NOT_FOUND', message: path }];
    }
  }

  private wire(r: FakeRun): unknown {
    const kv = (m: Map<string, string>) => [...m.entries()].map(([key, value]) => ({ key, value }));
    return { info: r.info, data: { params: kv(r.params), tags: kv(r.tags), metrics: [] } };
  }
}
