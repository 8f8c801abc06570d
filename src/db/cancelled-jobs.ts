import type { Queryable } from "./queryable.js";

/** A job a thread is running, and the document it holds. */
export interface RunningJob {
  readonly jobId: string;
  readonly documentId: string;
}

/**
 * Of the running jobs, those whose document the API cancelled: soft-deleted, or moved out of
 * `PROCESSING` while the claim still names the job (the worker's own release clears the claim in
 * the same statement, so only a cancel leaves this state). One query for all of them.
 */
export async function findCancelledJobs(db: Queryable, running: readonly RunningJob[]): Promise<Set<string>> {
  const result = await db.query<{ job_id: string }>(
    `SELECT t.job_id
       FROM unnest($1::uuid[], $2::text[]) AS t(document_id, job_id)
       JOIN documents d ON d.id = t.document_id
      WHERE d.deleted_at IS NOT NULL
         OR (d.processing_job_id = t.job_id AND d.status IS DISTINCT FROM 'PROCESSING')`,
    [running.map((job) => job.documentId), running.map((job) => job.jobId)],
  );
  return new Set(result.rows.map((row) => row.job_id));
}
