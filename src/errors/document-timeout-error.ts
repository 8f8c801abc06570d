import { PermanentError } from "./permanent-error.js";

/**
 * The failure of a document that ran past DOCUMENT_TIMEOUT_MS, whether its thread stopped at a
 * checkpoint or had to be terminated: the same code and message either way.
 */
export function documentTimeoutError(limitMs: number): PermanentError {
  return new PermanentError(
    "DOCUMENT_TIMEOUT",
    `time limit exceeded: document still processing after DOCUMENT_TIMEOUT_MS=${limitMs}`,
    { limitMs },
  );
}
