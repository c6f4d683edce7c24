/**
 * Errors are values with context. Every error untangle raises on purpose is an UntangleError with
 * a stable code and the facts a user needs to fix the problem; the CLI prints them and exits
 * non-zero without a stack trace.
 */
export class UntangleError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  readonly hint?: string;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, hint?: string) {
    super(message);
    this.name = 'UntangleError';
    this.code = code;
    this.context = context;
    this.hint = hint;
  }

  format(): string {
    const lines = [`error[${this.code}]: ${this.message}`];
    for (const [k, v] of Object.entries(this.context)) {
      if (v === undefined) continue;
      lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
    if (this.hint) lines.push(`  hint: ${this.hint}`);
    return lines.join('\n');
  }
}

export function isUntangleError(e: unknown): e is UntangleError {
  return e instanceof UntangleError;
}
