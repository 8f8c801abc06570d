import { RagworkerError } from "./ragworker-error.js";

/**
 * Thrown at a pipeline checkpoint once the supervisor asks its threads to stop (the drain
 * deadline): the job goes back to the queue without spending an attempt. Not a failure of the
 * document, so neither a PermanentError nor a TransientError.
 */
export class HandBackError extends RagworkerError {
  readonly retryable = true;

  constructor() {
    super("INTERRUPTED", "handed back to the queue: the worker is draining");
  }
}
