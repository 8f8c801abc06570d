import type { ErrorCode } from "./error-code.js";

export type ErrorContext = Readonly<Record<string, string | number | boolean | undefined>>;

/** Base of every error the worker raises on purpose: a stable code, retryability and context. */
export abstract class RagworkerError extends Error {
  abstract readonly retryable: boolean;
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.context = context;
    this.name = new.target.name;
  }
}
