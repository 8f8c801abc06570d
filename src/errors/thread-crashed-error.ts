import { TransientError } from "./transient-error.js";

/**
 * The thread running a document died under it (uncaught error, exit, memory limit): Piscina
 * replaces the thread and the job is retried, since the next attempt may well succeed.
 */
export class ThreadCrashedError extends TransientError {
  constructor(cause: unknown) {
    super("THREAD_CRASHED", cause instanceof Error ? cause.message : String(cause), {}, { cause });
  }
}
