import type { FairnessSettings } from "../config/fairness-settings.js";
import type { RedisClient } from "../config/redis-connection.js";
import type { DocumentStore, ReconcileCandidate } from "../db/document-store.js";
import type { Queryable } from "../db/queryable.js";
import { FIRST_CANDIDATE_ID } from "../db/reconcile-candidates.js";
import { startReconcileRounds } from "../db/reconcile-rounds.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import { RECONCILE_REASONS, type ReconcileReason } from "../ops/worker-metrics.js";
import { withTimeout } from "../ops/with-timeout.js";
import { enqueueDocument, type DocumentQueue } from "../producer/enqueue-document.js";
import { findLiveDocumentJobs } from "./live-document-jobs.js";

export interface ReconcileSettings {
  readonly pendingAgeMs: number;
  readonly claimTtlMs: number;
  readonly batchSize: number;
  /** JOB_ATTEMPTS: the reconciler's jobs are retried like the producer's. */
  readonly jobAttempts: number;
  /** Bounds each Redis step of a pass (reading the live jobs, the adds). */
  readonly redisTimeoutMs: number;
  /**
   * How the jobs are enqueued: like the producer's, or a plain add would land in BullMQ's wait
   * list, which is served before every prioritized job, ahead of all fair work.
   */
  readonly fairness: FairnessSettings;
}

export interface ReconcilePassDeps {
  readonly db: Queryable;
  readonly store: DocumentStore;
  readonly queue: DocumentQueue;
  /** The connection the queue uses, for pipelined reads of its jobs. */
  readonly redis: RedisClient;
  readonly logger: Logger;
  readonly settings: ReconcileSettings;
}

/** Where each kind's next page of candidates starts (see CandidatePage). */
export interface ReconcileCursors {
  readonly pending: string;
  readonly processing: string;
}

export const FIRST_CURSORS: ReconcileCursors = {
  pending: FIRST_CANDIDATE_ID,
  processing: FIRST_CANDIDATE_ID,
};

export interface ReconcilePassResult {
  readonly candidates: Readonly<Record<ReconcileReason, number>>;
  /** Candidates with a live job: left alone. */
  readonly live: number;
  /** Candidates another reconciler started a round for within RECONCILE_PENDING_AGE_MS. */
  readonly taken: number;
  readonly enqueued: Readonly<Record<ReconcileReason, number>>;
  readonly enqueueFailures: number;
  readonly next: ReconcileCursors;
}

/** The job id of a document's reconcile round: the same in every replica, so an add twice is one job. */
export function reconcileJobId(documentId: string, round: number): string {
  return `reconcile:${documentId}:${round}`;
}

/**
 * One pass: a page of each kind of candidate from PostgreSQL; if there are any, the documents the
 * queue's live jobs are for; each candidate without one gets a new round (startReconcileRounds)
 * and, for the rounds this pass won, a job. Safe to run from several replicas at once (the rounds
 * and job ids keep one job per document); the leadership only saves the duplicate work.
 */
export async function reconcilePass(
  deps: ReconcilePassDeps,
  cursors: ReconcileCursors,
): Promise<ReconcilePassResult> {
  const { db, store, settings } = deps;
  const page = { limit: settings.batchSize };
  const pending = await store.findStalePending(db, {
    ...page,
    afterId: cursors.pending,
    olderThanMs: settings.pendingAgeMs,
  });
  const processing = await store.findExpiredClaims(db, {
    ...page,
    afterId: cursors.processing,
    claimTtlMs: settings.claimTtlMs,
  });
  const next = { pending: nextCursor(pending, page.limit), processing: nextCursor(processing, page.limit) };
  const byReason: Record<ReconcileReason, readonly ReconcileCandidate[]> = {
    pending_without_job: pending,
    processing_claim_expired: processing,
  };
  const candidates = counts((reason) => byReason[reason].length);
  const nothing = counts(() => 0);
  if (pending.length + processing.length === 0) {
    return { candidates, live: 0, taken: 0, enqueued: nothing, enqueueFailures: 0, next };
  }

  const live = await withTimeout(findLiveDocumentJobs(deps.queue, deps.redis), settings.redisTimeoutMs);
  const orphans = RECONCILE_REASONS.flatMap((reason) =>
    byReason[reason].filter((doc) => !live.documentIds.has(doc.id)).map((doc) => ({ ...doc, reason })),
  );
  const liveCount = pending.length + processing.length - orphans.length;
  const rounds = await startReconcileRounds(
    db,
    orphans.map((doc) => doc.id),
    settings.pendingAgeMs,
  );
  const roundOf = new Map(rounds.map((row) => [row.document_id, row.round]));
  const enqueued: Record<ReconcileReason, number> = { ...nothing };
  let enqueueFailures = 0;
  await Promise.all(
    orphans.map(async (doc) => {
      const round = roundOf.get(doc.id);
      if (round === undefined) return;
      const jobId = reconcileJobId(doc.id, round);
      const fields = {
        document_id: doc.id,
        workspace_id: doc.workspace_id,
        reason: doc.reason,
        job_id: jobId,
      };
      try {
        await withTimeout(
          enqueueDocument(
            deps.queue,
            { documentId: doc.id, workspaceId: doc.workspace_id },
            // Bulk: a recovery can be hundreds of documents a pass, like an import; aging bounds its wait.
            { jobId, attempts: settings.jobAttempts, lane: "bulk" },
            { fairness: settings.fairness, redis: deps.redis },
          ),
          settings.redisTimeoutMs,
        );
        enqueued[doc.reason] += 1;
        deps.logger.info(fields, "reconciler: document enqueued again");
      } catch (error) {
        // The round is spent: the document is tried again once RECONCILE_PENDING_AGE_MS has passed.
        enqueueFailures += 1;
        deps.logger.error(
          { ...fields, err: describeError(error) },
          "reconciler: could not enqueue the document",
        );
      }
    }),
  );
  return {
    candidates,
    live: liveCount,
    taken: orphans.length - rounds.length,
    enqueued,
    enqueueFailures,
    next,
  };
}

/** A short page was the last: the next pass starts over from the first id. */
function nextCursor(page: readonly ReconcileCandidate[], limit: number): string {
  const last = page.at(-1);
  return page.length < limit || !last ? FIRST_CANDIDATE_ID : last.id;
}

function counts(of: (reason: ReconcileReason) => number): Record<ReconcileReason, number> {
  return {
    pending_without_job: of("pending_without_job"),
    processing_claim_expired: of("processing_claim_expired"),
  };
}
