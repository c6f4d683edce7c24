/**
 * Errors are values with context: every error this backend raises on purpose is a LibtorchError
 * with a stable code, the facts needed to fix it and a hint. The shape (code, context, hint,
 * format()) matches what a host application's error printer expects, so an app can show these
 * as it shows its own errors without depending on them.
 */
export class LibtorchError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  readonly hint?: string;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, hint?: string) {
    super(message);
    this.name = 'LibtorchError';
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

export function isLibtorchError(e: unknown): e is LibtorchError {
  return e instanceof LibtorchError;
}
