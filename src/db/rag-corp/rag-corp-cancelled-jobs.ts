import type { RunningJob } from "../cancelled-jobs.js";
import type { Queryable } from "../queryable.js";

/**
 * findCancelledJobs on rag-corp's tables, where the claim is ragworker_claims: rag-corp's cancel
 * sets a `PROCESSING` document `FAILED` and knows nothing of the claim, which still names the job.
 */
export async function findRagCorpCancelledJobs(
  db: Queryable,
  running: readonly RunningJob[],
): Promise<Set<string>> {
  const result = await db.query<{ job_id: string }>(
    `SELECT t.job_id
       FROM unnest($1::uuid[], $2::text[]) AS t(document_id, job_id)
       JOIN documents d ON d.id = t.document_id
       LEFT JOIN ragworker_claims c ON c.document_id = d.id AND c.job_id = t.job_id
      WHERE d.deleted_at IS NOT NULL
         OR (c.job_id IS NOT NULL AND d.status IS DISTINCT FROM 'PROCESSING')`,
    [running.map((job) => job.documentId), running.map((job) => job.jobId)],
  );
  return new Set(result.rows.map((row) => row.job_id));
}
