import { UntangleError } from '../util/errors.ts';

/** One problem found in a config. Collected, never thrown one by one. */
export interface ConfigIssue {
  code: string;
  message: string;
  /** Dotted key path, e.g. `model.params.beta`. */
  path: string;
  file?: string;
  line?: number;
  col?: number;
  expected?: string;
  got?: string;
  suggestion?: string;
  /** The component whose schema the problem is against, and where it is defined (`T (defined in f.ts:12)`). */
  component?: string;
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.col ? `:${i.col}` : ''}` : ''}` : '<command line>';
  const lines = [`${where}: ${i.path ? `${i.path}: ` : ''}${i.message} [${i.code}]`];
  if (i.expected) lines.push(`    expected: ${i.expected}`);
  if (i.got !== undefined) lines.push(`    got: ${i.got}`);
  if (i.suggestion) lines.push(`    did you mean: ${i.suggestion}`);
  if (i.component) lines.push(`    component: ${i.component}`);
  return lines.join('\n');
}

/** Every problem of a config at once. */
export class ConfigError extends UntangleError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super('config', `${issues.length} problem${issues.length === 1 ? '' : 's'} in the config`, {});
    // In reading order: by file and line, command-line problems last.
    this.issues = [...issues].sort((a, b) => (a.file === undefined ? 1 : 0) - (b.file === undefined ? 1 : 0)
      || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  }

  override format(): string {
    return [`error[config]: ${this.message}:`, ...this.issues.map((i) => formatIssue(i))].join('\n');
  }
}
