import type { Logger } from "./logger.js";

/** What identifies a job in the logs. */
export interface JobIds {
  readonly jobId: string;
  readonly documentId: string;
  readonly requestId: string | undefined;
}

/**
 * A child logger that stamps the job's ids on every line, handed down explicitly to the code that
 * runs the job. Not AsyncLocalStorage: on Node 20 it switches on promise hooks for every promise
 * in the thread or process, and the parsers and BullMQ make a great many (measured on PDF and
 * DOCX, one pool thread against BullMQ's sandboxed worker on the same pipeline: 0.7–0.9× with
 * it, 1.02–1.06× without).
 */
export function jobLogger(logger: Logger, job: JobIds): Logger {
  return logger.child({ jobId: job.jobId, documentId: job.documentId, requestId: job.requestId ?? null });
}
