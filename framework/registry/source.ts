import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);
const TYPES = resolve(dirname(HERE), 'types.ts');
/** The repository root: paths are shown relative to it, as a contributor opens them. */
const ROOT = resolve(dirname(HERE), '..', '..');

/**
 * `file:line` of the module that called `defineComponent`, read from the call stack (which tsx
 * and vitest map back to the .ts source), so a spec's source can never go stale the way a
 * hand-typed path would. Undefined if no frame outside the registry names a file.
 */
export function callerSource(): string | undefined {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  for (const frame of frames) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?\s*$/.exec(frame);
    if (!m) continue;
    const file = m[1].startsWith('file://') ? fileURLToPath(m[1]) : m[1];
    if (file === HERE || file === TYPES) continue;
    const rel = relative(ROOT, file);
    return `${rel.startsWith('..') ? file : rel}:${m[2]}`;
  }
  return undefined;
}
