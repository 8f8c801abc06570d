import type { TransientCode } from "./error-code.js";
import { type ErrorContext, RagworkerError } from "./ragworker-error.js";

/** A dependency misbehaved (database, storage, embedding service): retry with backoff. */
export class TransientError extends RagworkerError {
  readonly retryable = true;

  constructor(code: TransientCode, message: string, context?: ErrorContext, options?: ErrorOptions) {
    super(code, message, context, options);
  }
}
