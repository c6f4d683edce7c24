import type { PathSegment } from './tree.ts';
import { formatPath } from './tree.ts';

/** Where a value came from: a file position, a command-line override, or a schema default. */
export type Origin =
  | { kind: 'file'; file: string; line: number; col: number; group?: string }
  | { kind: 'override'; text: string; index: number }
  | { kind: 'default'; target: string }
  | { kind: 'interpolation'; expression: string; from: Origin | null };

export function describeOrigin(o: Origin): string {
  switch (o.kind) {
    case 'file': return `${o.file}:${o.line}:${o.col}${o.group ? ` (group ${o.group})` : ''}`;
    case 'override': return `override #${o.index + 1} '${o.text}'`;
    case 'default': return `schema default of ${o.target}`;
    case 'interpolation': return `interpolation ${o.expression}${o.from ? ` (written at ${describeOrigin(o.from)})` : ''}`;
  }
}

/**
 * Provenance of every path: the history of layers that set it, last one winning. Kept beside the
 * plain value tree so that merging stays a plain-object operation.
 */
export class Provenance {
  private readonly history = new Map<string, Origin[]>();

  set(path: readonly PathSegment[], origin: Origin): void {
    const k = formatPath(path);
    const h = this.history.get(k);
    if (h) h.push(origin);
    else this.history.set(k, [origin]);
  }

  /** The origins of this path, oldest first. */
  historyOf(path: readonly PathSegment[]): Origin[] {
    return this.history.get(formatPath(path)) ?? [];
  }

  /** The origin that set the current value: this path's, or the nearest ancestor's. */
  lookup(path: readonly PathSegment[]): Origin | null {
    for (let n = path.length; n >= 0; n--) {
      const h = this.history.get(formatPath(path.slice(0, n)));
      if (h && h.length) return h[h.length - 1];
    }
    return null;
  }

  /** The nearest file position at or above this path, for error messages. */
  filePosition(path: readonly PathSegment[]): { file: string; line: number; col: number } | null {
    for (let n = path.length; n >= 0; n--) {
      const h = this.history.get(formatPath(path.slice(0, n)));
      if (!h) continue;
      for (let i = h.length - 1; i >= 0; i--) {
        const o = h[i];
        if (o.kind === 'file') return o;
        if (o.kind === 'interpolation' && o.from?.kind === 'file') return o.from;
      }
    }
    return null;
  }

  /** Drop the record of everything strictly below `path` (its subtree was replaced). */
  clearBelow(path: readonly PathSegment[]): void {
    const k = formatPath(path);
    for (const key of [...this.history.keys()]) {
      if (key !== k && isBelowKey(key, k)) this.history.delete(key);
    }
  }

  /** Append `other`'s record of `path`, and with `subtree` of everything below it too. */
  copyFrom(other: Provenance, path: readonly PathSegment[], subtree: boolean): void {
    const k = formatPath(path);
    for (const [key, h] of other.history) {
      const below = subtree && isBelowKey(key, k);
      if (key !== k && !below) continue;
      const mine = this.history.get(key);
      this.history.set(key, mine ? [...mine, ...h] : [...h]);
    }
  }

  entries(): IterableIterator<[string, Origin[]]> {
    return this.history.entries();
  }
}

function isBelowKey(key: string, ancestor: string): boolean {
  return ancestor === '' || key.startsWith(`${ancestor}.`) || key.startsWith(`${ancestor}[`);
}
