/**
 * HTTP to an MLflow server: one request = one fetch with its own timeout (AbortController),
 * retried with exponential backoff and full jitter on 429, 5xx and network failures, never on
 * other 4xx (those are our bug or the user's, and repeating them changes nothing).
 *
 * Requests whose repetition is not harmless (a metric log-batch appends points; runs/create
 * makes a new run) use `retry: 'unsent'`: they are retried only when the failure proves the
 * server never saw them (connection refused, DNS failure, 429). After an ambiguous failure
 * (timeout, reset, 5xx) the caller reconciles against server state instead — see sync.ts.
 */
import { UntangleError } from '../../util/errors.ts';
import { Rng } from '../../util/rng.ts';
import { authorizationHeader, redact, secretsOf, type MlflowAuth } from './auth.ts';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 250, maxDelayMs: 8000, timeoutMs: 30_000 };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path below the server root, e.g. `/api/2.0/mlflow/runs/get`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: Uint8Array;
  /** 'all' (idempotent request) or 'unsent' (retry only if the server cannot have seen it). */
  retry?: 'all' | 'unsent';
}

export interface HttpResponse {
  status: number;
  text: string;
}

/** Node's fetch error codes that prove the request never reached the server. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

type Attempt =
  | { kind: 'response'; res: HttpResponse; retryAfterMs: number | null }
  | { kind: 'network'; code: string; message: string; unsent: boolean }
  | { kind: 'timeout' };

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  baseUrl: URL;
  auth: MlflowAuth;
  retry?: Partial<RetryPolicy>;
  fetch?: FetchLike;
  /** Seed for backoff jitter (jitter must not be synchronised across workers, but tests want it fixed). */
  jitterSeed?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class HttpTransport {
  readonly baseUrl: URL;
  readonly policy: RetryPolicy;
  /** Which kind of credentials are sent (never the credentials themselves). */
  readonly authKind: MlflowAuth['kind'];
  private readonly authHeader: string | null;
  private readonly secrets: string[];
  private readonly fetchImpl: FetchLike;
  private readonly rng: Rng;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: HttpTransportOptions) {
    this.baseUrl = opts.baseUrl;
    this.policy = { ...DEFAULT_RETRY, ...opts.retry };
    this.authKind = opts.auth.kind;
    this.authHeader = authorizationHeader(opts.auth);
    this.secrets = secretsOf(opts.auth);
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.rng = new Rng(opts.jitterSeed ?? (process.pid * 2654435761) ^ Date.now());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Scrub secrets from any text that may leave the process. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  url(path: string, query?: HttpRequest['query']): string {
    const base = this.baseUrl.toString().replace(/\/+$/, '');
    const u = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** Send with retries; returns the final response whatever its status (the caller maps errors). */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    const mode = req.retry ?? 'all';
    for (let attempt = 0; ; attempt++) {
      const result = await this.once(url, req);
      const last = attempt >= this.policy.maxRetries;
      if (result.kind === 'response') {
        const s = result.res.status;
        const retryable = s === 429 || (s >= 500 && mode === 'all');
        if (!retryable || last) return result.res;
        await this.sleep(result.retryAfterMs ?? this.backoff(attempt));
        continue;
      }
      const retryable = mode === 'all' || (result.kind === 'network' && result.unsent);
      if (!retryable || last) throw this.transportError(req, url, result, attempt + 1);
      await this.sleep(this.backoff(attempt));
    }
  }

  /** Full jitter: uniform in [0, min(max, base·2^attempt)], so clients that failed together spread out. */
  private backoff(attempt: number): number {
    const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** attempt);
    return Math.round(this.rng.uniform() * cap);
  }

  private async once(url: string, req: HttpRequest): Promise<Attempt> {
    const headers: Record<string, string> = {};
    if (this.authHeader) headers.Authorization = this.authHeader;
    let body: BodyInit | undefined;
    if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.body !== undefined) {
      headers['Content-Type'] = 'application/octet-stream';
      // Copy into a plain ArrayBuffer-backed view: fetch's BodyInit rejects shared buffers.
      body = new Uint8Array(req.body).buffer;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.policy.timeoutMs);
    try {
      const res = await this.fetchImpl(url, { method: req.method, headers, body, signal: controller.signal });
      const text = await res.text();
      return { kind: 'response', res: { status: res.status, text }, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
    } catch (e) {
      if (controller.signal.aborted) return { kind: 'timeout' };
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause : null;
      const code = errorCode(cause) ?? errorCode(e) ?? 'NETWORK_ERROR';
      const message = cause?.message ?? (e instanceof Error ? e.message : String(e));
      return { kind: 'network', code, message, unsent: UNSENT_CODES.has(code) };
    } finally {
      clearTimeout(timer);
    }
  }

  private transportError(req: HttpRequest, url: string, a: Attempt, attempts: number): UntangleError {
    const where = { method: req.method, url: this.redact(url), attempts };
    if (a.kind === 'timeout') {
      return new UntangleError('MLFLOW_TIMEOUT', `MLflow server did not answer within ${this.policy.timeoutMs} ms`, where,
        'check that the server is up and reachable; the local store under runs/ keeps everything for `untangle sync`');
    }
    const detail = a.kind === 'network' ? `${a.code}: ${this.redact(a.message)}` : '';
    return new UntangleError('MLFLOW_UNREACHABLE', `cannot reach the MLflow server at ${this.redact(this.baseUrl.origin)} (${detail})`, where,
      'check MLFLOW_TRACKING_URI / tracking.uri and that `mlflow server` is running; nothing is lost: runs stay in runs/ for `untangle sync`');
  }
}

function errorCode(e: unknown): string | null {
  if (e !== null && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return null;
}

function parseRetryAfter(h: string | null): number | null {
  if (!h) return null;
  const secs = Number(h);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, 60_000);
  const date = Date.parse(h);
  return Number.isFinite(date) ? Math.max(0, Math.min(date - Date.now(), 60_000)) : null;
}
