import type { PermanentCode } from "./error-code.js";
import { type ErrorContext, RagworkerError } from "./ragworker-error.js";

/** Retrying cannot help (bad input, unsupported file): the job fails for good. */
export class PermanentError extends RagworkerError {
  readonly retryable = false;

  constructor(code: PermanentCode, message: string, context?: ErrorContext, options?: ErrorOptions) {
    super(code, message, context, options);
  }
}
