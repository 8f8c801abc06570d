import type { Queryable } from "./queryable.js";

/** A document the reconciler may have to enqueue again: what a job's data needs. */
export interface ReconcileCandidate {
  readonly id: string;
  readonly workspace_id: string;
}

/**
 * One page of candidates, in id order after `afterId`: the reconciler walks the candidates page
 * by page across passes, so a backlog of documents whose jobs are alive (skipped) cannot hide the
 * orphans behind it forever.
 */
export interface CandidatePage {
  readonly afterId: string;
  readonly limit: number;
}

export interface StalePendingQuery extends CandidatePage {
  /** PENDING and unchanged for at least this long. */
  readonly olderThanMs: number;
}

export interface ExpiredClaimQuery extends CandidatePage {
  /** CLAIM_TTL_MS: a claim older than this is one a job may take over (see claimDocument). */
  readonly claimTtlMs: number;
}

/** The uuid before every other: the first page. */
export const FIRST_CANDIDATE_ID = "00000000-0000-0000-0000-000000000000";

/**
 * `PENDING` documents left alone for `olderThanMs` (updated_at is their last change: the API's
 * insert, a released claim). NULL status is not a candidate: rag-corp's connector rows and a row
 * between its insert and its file metadata have no status and no job by design. Reads the
 * partial index documents_reconcile_idx (status, id).
 */
export async function findStalePending(
  db: Queryable,
  query: StalePendingQuery,
): Promise<ReconcileCandidate[]> {
  const result = await db.query<ReconcileCandidate>(
    `SELECT id, workspace_id FROM documents
      WHERE status = 'PENDING' AND deleted_at IS NULL AND id > $1
        AND updated_at < now() - make_interval(secs => $2::double precision / 1000)
      ORDER BY id LIMIT $3`,
    [query.afterId, query.olderThanMs, query.limit],
  );
  return result.rows;
}

/**
 * `PROCESSING` documents whose claim a job could take over: the same test as claimDocument's, so
 * the job the reconciler enqueues does take it over.
 */
export async function findExpiredClaims(
  db: Queryable,
  query: ExpiredClaimQuery,
): Promise<ReconcileCandidate[]> {
  const result = await db.query<ReconcileCandidate>(
    `SELECT id, workspace_id FROM documents
      WHERE status = 'PROCESSING' AND deleted_at IS NULL AND id > $1
        AND (processing_started_at IS NULL
             OR processing_started_at < now() - make_interval(secs => $2::double precision / 1000))
      ORDER BY id LIMIT $3`,
    [query.afterId, query.claimTtlMs, query.limit],
  );
  return result.rows;
}
