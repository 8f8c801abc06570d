import { RagworkerError } from "./ragworker-error.js";

/**
 * An error the pipeline does not know (a parser bug, say): not known to be permanent, so the job
 * is retried like a transient failure, but it is a bug and is logged and counted as one.
 */
export class UnexpectedError extends RagworkerError {
  readonly retryable = true;

  constructor(cause: unknown) {
    super("UNEXPECTED_ERROR", cause instanceof Error ? cause.message : String(cause), {}, { cause });
  }
}
