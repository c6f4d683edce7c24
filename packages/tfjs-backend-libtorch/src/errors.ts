/**
 * Errors are values with context: a stable code, the facts needed to fix the problem, a hint.
 * CodedError is that shape; every error this backend raises on purpose is a LibtorchError. An
 * application can base its own errors on CodedError (untangle's UntangleError does) and print
 * both alike.
 */
export class CodedError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  readonly hint?: string;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, hint?: string) {
    super(message);
    this.name = 'CodedError';
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

/** An error raised by the libtorch backend. */
export class LibtorchError extends CodedError {
  constructor(code: string, message: string, context: Record<string, unknown> = {}, hint?: string) {
    super(code, message, context, hint);
    this.name = 'LibtorchError';
  }
}

export function isLibtorchError(e: unknown): e is LibtorchError {
  return e instanceof LibtorchError;
}
