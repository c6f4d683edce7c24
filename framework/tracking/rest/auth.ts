/**
 * Credentials for an MLflow server, the way MLflow's own clients take them: basic auth from
 * MLFLOW_TRACKING_USERNAME/PASSWORD, a bearer token from MLFLOW_TRACKING_TOKEN, or user:pass@
 * in the URI. Secrets live only here and in the Authorization header; everything that leaves
 * this module for logs, errors, params, tags or sync state goes through `redact`.
 */
import { UntangleError } from '../../util/errors.ts';

export type MlflowAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string };

export function authFromEnv(env: NodeJS.ProcessEnv = process.env): MlflowAuth {
  const token = env.MLFLOW_TRACKING_TOKEN;
  const username = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (token) return { kind: 'bearer', token };
  if (username !== undefined || password !== undefined) {
    if (!username || password === undefined) {
      throw new UntangleError(
        'MLFLOW_AUTH_CONFIG',
        'MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD must be set together',
        { usernameSet: Boolean(username), passwordSet: password !== undefined },
        'set both variables for basic auth, or MLFLOW_TRACKING_TOKEN for a bearer token',
      );
    }
    return { kind: 'basic', username, password };
  }
  return { kind: 'none' };
}

export function authorizationHeader(auth: MlflowAuth): string | null {
  switch (auth.kind) {
    case 'basic':
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    case 'bearer':
      return `Bearer ${auth.token}`;
    default:
      return null;
  }
}

/** Every string that must never appear in output: raw secrets and their encoded forms. */
export function secretsOf(auth: MlflowAuth): string[] {
  const header = authorizationHeader(auth);
  switch (auth.kind) {
    case 'basic':
      return [auth.password, header!.slice('Basic '.length), encodeURIComponent(auth.password)].filter((s) => s.length > 0);
    case 'bearer':
      return [auth.token, encodeURIComponent(auth.token)].filter((s) => s.length > 0);
    default:
      return [];
  }
}

/** Replace every occurrence of a secret by `***`. Longest first, so a secret inside another is covered. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length > 0) out = out.split(s).join('***');
  }
  return out;
}

/**
 * Split `http://user:pass@host/…` into a credential-free URI and the credentials it carried.
 * Explicit env credentials win over URI ones (same precedence as MLflow's Python client).
 */
export function splitUriCredentials(uri: URL): { uri: URL; auth: MlflowAuth } {
  if (!uri.username && !uri.password) return { uri, auth: { kind: 'none' } };
  const clean = new URL(uri.toString());
  const auth: MlflowAuth = {
    kind: 'basic',
    username: decodeURIComponent(uri.username),
    password: decodeURIComponent(uri.password),
  };
  clean.username = '';
  clean.password = '';
  return { uri: clean, auth };
}
