import { integer, milliseconds } from "./readers.js";
import { setting } from "./setting.js";

/**
 * The reconciler: PostgreSQL holds the truth about documents, Redis only the jobs, so documents
 * that should be queued and are not (Redis lost its data, the API died before enqueueing, a claim
 * expired) are found in PostgreSQL and enqueued again, by one replica at a time.
 */
export const RECONCILE_SETTINGS = {
  reconcileIntervalMs: setting("RECONCILE_INTERVAL_MS", milliseconds(0, 86_400_000), {
    default: "60000",
    describe:
      "how often the reconciler looks for documents that should be queued and are not (one replica at a time, under a PostgreSQL advisory lock); `0` turns it off",
  }),
  reconcilePendingAgeMs: setting("RECONCILE_PENDING_AGE_MS", milliseconds(1000, 604_800_000), {
    default: "600000",
    describe:
      "a `PENDING` document unchanged for this long with no waiting, delayed or active job is enqueued again; also the least time between two re-enqueues of one document",
  }),
  reconcileBatchSize: setting("RECONCILE_BATCH_SIZE", integer(1, 100_000), {
    default: "500",
    describe: "documents the reconciler looks at per kind (`PENDING`, expired `PROCESSING`) and pass",
  }),
};
