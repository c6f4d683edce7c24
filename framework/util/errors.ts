/**
 * Errors are values with context. Every error untangle raises on purpose is an UntangleError with
 * a stable code and the facts a user needs to fix the problem; the CLI prints them and exits
 * non-zero without a stack trace. The shape (code, context, hint, format()) is CodedError's, shared
 * with the libtorch backend package's LibtorchError.
 */
import { CodedError } from '@untangle/tfjs-backend-libtorch/errors';

export class UntangleError extends CodedError {
  constructor(code: string, message: string, context: Record<string, unknown> = {}, hint?: string) {
    super(code, message, context, hint);
    this.name = 'UntangleError';
  }
}

export function isUntangleError(e: unknown): e is UntangleError {
  return e instanceof UntangleError;
}
