import type { DocumentRow, LoadedDocument } from "../document-repository.js";
import type { Queryable, StatementQueryable } from "../queryable.js";

// rag-corp's documents have no claim columns; processing_job_id is read from ragworker_claims.
const COLUMNS = `d.id, d.workspace_id, d.title, d.file_name, d.mime_type, d.storage_key, d.status,
                 c.job_id AS processing_job_id`;

/**
 * rag-corp's own lookup, scoped by workspace; a soft-deleted document comes back flagged
 * `deleted` (rag-corp's lookup leaves it out), so one round trip tells deleted from missing.
 */
export async function loadRagCorpDocument(
  db: StatementQueryable,
  id: string,
  workspaceId: string,
): Promise<LoadedDocument | null> {
  // Every job runs it: a named statement, planned once per connection.
  const result = await db.query<LoadedDocument>({
    name: "ragworker-load-rag-corp-document",
    text: `SELECT ${COLUMNS}, d.deleted_at IS NOT NULL AS deleted
       FROM documents d LEFT JOIN ragworker_claims c ON c.document_id = d.id
      WHERE d.id = $1 AND d.workspace_id = $2`,
    values: [id, workspaceId],
  });
  return result.rows[0] ?? null;
}

/**
 * rag-corp's claim (`PENDING` or NULL → `PROCESSING`, error_message cleared), with ragworker's
 * claim record beside it, in one statement. Two differences, both for safety:
 * - a `PROCESSING` document is taken over when its claim expired, belongs to this same job, or
 *   has no ragworker claim at all (rag-corp's worker died on it: rag-corp never reclaims those);
 * - a `FAILED` document is not claimed: rag-corp's cancel leaves a document `FAILED`, and a
 *   stale or retried job must not undo it. rag-corp's reprocess sets `PENDING` before it
 *   enqueues, so reprocessing works as before.
 * Soft-deleted documents are not claimed either (rag-corp's claim does not look).
 */
export async function claimRagCorpDocument(
  db: Queryable,
  claim: { id: string; workspaceId: string; jobId: string; claimTtlMs: number },
): Promise<DocumentRow | null> {
  const result = await db.query<DocumentRow>(
    `WITH claimed AS (
       UPDATE documents d SET status = 'PROCESSING', error_message = NULL
        WHERE d.id = $1 AND d.workspace_id = $2 AND d.deleted_at IS NULL
          AND (d.status IS NULL OR d.status = 'PENDING'
               OR (d.status = 'PROCESSING' AND NOT EXISTS (
                     SELECT 1 FROM ragworker_claims c
                      WHERE c.document_id = d.id AND c.job_id <> $3
                        AND c.claimed_at >= now() - make_interval(secs => $4::double precision / 1000))))
        RETURNING d.id, d.workspace_id, d.title, d.file_name, d.mime_type, d.storage_key, d.status
     ), recorded AS (
       INSERT INTO ragworker_claims (document_id, job_id, claimed_at)
       SELECT id, $3, now() FROM claimed
       ON CONFLICT (document_id) DO UPDATE SET job_id = EXCLUDED.job_id, claimed_at = EXCLUDED.claimed_at
     )
     SELECT claimed.*, $3::text AS processing_job_id FROM claimed`,
    [claim.id, claim.workspaceId, claim.jobId, claim.claimTtlMs],
  );
  return result.rows[0] ?? null;
}

/**
 * Ends this job's claim with `status`, as ragworker's releaseClaim does. False when the claim is
 * no longer this job's, or the document left `PROCESSING` meanwhile (rag-corp's cancel set it
 * `FAILED`): the row is then left as it is.
 */
export async function releaseRagCorpClaim(
  db: Queryable,
  release: { id: string; jobId: string; status: "PENDING" | "FAILED"; errorMessage: string | null },
): Promise<boolean> {
  const result = await db.query<{ id: string }>(
    `WITH ours AS (
       DELETE FROM ragworker_claims WHERE document_id = $1 AND job_id = $2 RETURNING document_id
     )
     UPDATE documents d SET status = $3, error_message = $4
       FROM ours WHERE d.id = ours.document_id AND d.status = 'PROCESSING'
     RETURNING d.id`,
    [release.id, release.jobId, release.status, release.errorMessage],
  );
  return result.rows.length > 0;
}
