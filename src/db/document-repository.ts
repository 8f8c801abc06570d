import type { Queryable, StatementQueryable } from "./queryable.js";

export type DocumentStatus = "PENDING" | "PROCESSING" | "READY" | "FAILED";

export interface DocumentRow {
  readonly id: string;
  readonly workspace_id: string;
  readonly title: string;
  readonly file_name: string | null;
  readonly mime_type: string | null;
  readonly storage_key: string | null;
  readonly status: DocumentStatus | null;
  readonly processing_job_id: string | null;
}

/** A document as a job first looks it up: soft-deleted ones too, flagged, since that is a cancel. */
export interface LoadedDocument extends DocumentRow {
  /** `deleted_at` is set: the API deleted it; the job skips it (CANCELLED) and leaves the row alone. */
  readonly deleted: boolean;
}

const COLUMNS = "id, workspace_id, title, file_name, mime_type, storage_key, status, processing_job_id";

/**
 * Scoped by workspace: a job never sees, let alone touches, another workspace's document. One
 * lookup tells a deleted document from a missing one (null), so a job that needs no work costs
 * one round trip. Every job runs it, so it is a named statement: planned once per connection.
 */
export async function loadDocument(
  db: StatementQueryable,
  id: string,
  workspaceId: string,
): Promise<LoadedDocument | null> {
  const result = await db.query<LoadedDocument>({
    name: "ragworker-load-document",
    text: `SELECT ${COLUMNS}, deleted_at IS NOT NULL AS deleted FROM documents WHERE id = $1 AND workspace_id = $2`,
    values: [id, workspaceId],
  });
  return result.rows[0] ?? null;
}

/**
 * One atomic statement, so two workers can never both claim a document. A `PROCESSING` claim
 * is taken over when it expired (its worker died) or belongs to this same job (a retry after a
 * crash), so no document stays stuck in `PROCESSING`.
 */
export async function claimDocument(
  db: Queryable,
  claim: { id: string; workspaceId: string; jobId: string; claimTtlMs: number },
): Promise<DocumentRow | null> {
  const result = await db.query<DocumentRow>(
    `UPDATE documents
        SET status = 'PROCESSING', processing_job_id = $3, processing_started_at = now(),
            error_message = NULL, updated_at = now()
      WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL
        AND (status IS NULL OR status IN ('PENDING', 'FAILED')
             OR (status = 'PROCESSING'
                 AND (processing_job_id = $3
                      OR processing_started_at IS NULL
                      OR processing_started_at < now() - make_interval(secs => $4::double precision / 1000))))
      RETURNING ${COLUMNS}`,
    [claim.id, claim.workspaceId, claim.jobId, claim.claimTtlMs],
  );
  return result.rows[0] ?? null;
}

/**
 * Ends this job's claim with `status`: `FAILED` when no attempt is left, `PENDING` when the job
 * goes back to the queue. A claim that another job took over is left alone.
 */
export async function releaseClaim(
  db: Queryable,
  release: { id: string; jobId: string; status: "PENDING" | "FAILED"; errorMessage: string | null },
): Promise<boolean> {
  const result = await db.query<{ id: string }>(
    `UPDATE documents
        SET status = $3, error_message = $4, processing_job_id = NULL, processing_started_at = NULL,
            updated_at = now()
      WHERE id = $1 AND status = 'PROCESSING' AND processing_job_id = $2
      RETURNING id`,
    [release.id, release.jobId, release.status, release.errorMessage],
  );
  return result.rows.length > 0;
}
