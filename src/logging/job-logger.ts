import type { Logger } from "./logger.js";

/** What identifies a job in the logs. The document and workspace ids are as the job carried them. */
export interface JobIds {
  readonly jobId: string;
  readonly documentId: unknown;
  readonly workspaceId: unknown;
  readonly requestId: string | undefined;
}

function idField(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : String(value);
}

/**
 * A child logger that stamps the job's ids on every line, under rag-corp's names: `job_id`,
 * `document_id`, `workspace_id`, and `request_id`, which is the job id when the job carries no
 * request id (rag-corp's worker sets its log context's request_id to the queue job's id). Handed
 * down explicitly to the code that runs the job. Not AsyncLocalStorage: on Node 20 it switches on
 * promise hooks for every promise in the thread or process, and the parsers and BullMQ make a
 * great many (measured on PDF and DOCX, one pool thread against BullMQ's sandboxed worker on the
 * same pipeline: 0.7–0.9× with it, 1.02–1.06× without).
 */
export function jobLogger(logger: Logger, job: JobIds): Logger {
  return logger.child({
    request_id: job.requestId ?? job.jobId,
    job_id: job.jobId,
    document_id: idField(job.documentId),
    workspace_id: idField(job.workspaceId),
  });
}
