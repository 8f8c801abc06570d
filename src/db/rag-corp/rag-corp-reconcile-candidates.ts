import type { Queryable } from "../queryable.js";
import type { ExpiredClaimQuery, ReconcileCandidate, StalePendingQuery } from "../reconcile-candidates.js";

/**
 * rag-corp's `PENDING` documents older than `olderThanMs`. Its documents have no updated_at, so
 * the age is created_at's: a document rag-corp's reprocess set `PENDING` again is a candidate at
 * once, and only its live job (the API enqueues right after the update) keeps it from being
 * enqueued twice; if the reconciler reads between the two, the extra job finds the document
 * claimed or READY and does nothing. NULL status (connector rows) is never a candidate. Reads
 * rag-corp's own ix_documents_status: ragworker adds no index to rag-corp's tables.
 */
export async function findRagCorpStalePending(
  db: Queryable,
  query: StalePendingQuery,
): Promise<ReconcileCandidate[]> {
  const result = await db.query<ReconcileCandidate>(
    `SELECT d.id, d.workspace_id FROM documents d
      WHERE d.status = 'PENDING' AND d.deleted_at IS NULL AND d.id > $1
        AND d.created_at < now() - make_interval(secs => $2::double precision / 1000)
      ORDER BY d.id LIMIT $3`,
    [query.afterId, query.olderThanMs, query.limit],
  );
  return result.rows;
}

/**
 * rag-corp's `PROCESSING` documents a job could take over (claimRagCorpDocument's test): the
 * ragworker claim expired, or there is none at all — rag-corp's own worker died on it, which
 * rag-corp never recovers. Without a claim the only clock is created_at, so a document created
 * within CLAIM_TTL_MS is left alone (it may be rag-corp's worker's, running now).
 */
export async function findRagCorpExpiredClaims(
  db: Queryable,
  query: ExpiredClaimQuery,
): Promise<ReconcileCandidate[]> {
  const result = await db.query<ReconcileCandidate>(
    `SELECT d.id, d.workspace_id FROM documents d
       LEFT JOIN ragworker_claims c ON c.document_id = d.id
      WHERE d.status = 'PROCESSING' AND d.deleted_at IS NULL AND d.id > $1
        AND CASE WHEN c.document_id IS NULL
                 THEN d.created_at < now() - make_interval(secs => $2::double precision / 1000)
                 ELSE c.claimed_at < now() - make_interval(secs => $2::double precision / 1000) END
      ORDER BY d.id LIMIT $3`,
    [query.afterId, query.claimTtlMs, query.limit],
  );
  return result.rows;
}
