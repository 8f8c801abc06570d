import type { Queryable } from "./queryable.js";

/** A document the reconciler may enqueue now, and the round its job id carries. */
export interface ReconcileRound {
  readonly document_id: string;
  readonly round: number;
}

/**
 * Starts a new re-enqueue round for each document whose last round is older than `minGapMs` (or
 * that never had one), in one atomic statement: replicas reconciling the same documents at once
 * each get a round only for the documents none of the others took, so no two of them enqueue the
 * same document, and the job id `reconcile:<document>:<round>` makes a repeated add a no-op.
 * Same table in both schemas.
 */
export async function startReconcileRounds(
  db: Queryable,
  documentIds: readonly string[],
  minGapMs: number,
): Promise<ReconcileRound[]> {
  if (documentIds.length === 0) return [];
  // ON CONFLICT DO UPDATE refuses to touch one row twice in a statement: each id once.
  const unique = [...new Set(documentIds)];
  const result = await db.query<ReconcileRound>(
    `INSERT INTO ragworker_reconciles AS r (document_id, round, reconciled_at)
     SELECT id, 1, now() FROM unnest($1::uuid[]) AS t(id)
     ON CONFLICT (document_id) DO UPDATE SET round = r.round + 1, reconciled_at = now()
      WHERE r.reconciled_at < now() - make_interval(secs => $2::double precision / 1000)
     RETURNING r.document_id, r.round`,
    [unique, minGapMs],
  );
  return result.rows;
}
