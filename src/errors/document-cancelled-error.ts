import { RagworkerError } from "./ragworker-error.js";

/**
 * Thrown at a pipeline checkpoint once the supervisor saw the document cancelled (rag-corp's
 * cancel set it `FAILED`) or soft-deleted while this job held it. Not a failure of the document:
 * the row stays as the cancel left it, nothing is written and the job ends without a retry.
 */
export class DocumentCancelledError extends RagworkerError {
  readonly retryable = false;

  constructor() {
    super("CANCELLED", "cancelled while processing: the document was cancelled or deleted");
  }
}
