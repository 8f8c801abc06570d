import type { RedisClient } from "../config/redis-connection.js";
import type { Config } from "../config/config.js";
import type { DocumentStore } from "../db/document-store.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import type { ReconcileReason } from "../ops/worker-metrics.js";
import type { DocumentQueue } from "../producer/enqueue-document.js";
import { ReconcileLeadership } from "./reconcile-leadership.js";
import {
  FIRST_CURSORS,
  reconcilePass,
  type ReconcileCursors,
  type ReconcilePassResult,
} from "./reconcile-pass.js";

// A pass's statements and Redis steps each get this long: a pass never holds the loop for long,
// and a stuck server shows as a logged failure rather than a silent stall.
const STEP_TIMEOUT_MS = 15_000;

export type ReconcilerConfig = Pick<
  Config,
  | "databaseUrl"
  | "queueName"
  | "reconcileIntervalMs"
  | "reconcilePendingAgeMs"
  | "reconcileBatchSize"
  | "claimTtlMs"
  | "jobAttempts"
  | "fairness"
>;

export interface ReconcilerDeps {
  readonly config: ReconcilerConfig;
  readonly store: DocumentStore;
  readonly queue: DocumentQueue;
  /** The queue's connection: passes are skipped while it is not ready (commands would queue up). */
  readonly redis: RedisClient;
  readonly logger: Logger;
  /** Told about each pass this replica finished as the leader (the metrics). */
  readonly onPass?: (enqueued: Readonly<Record<ReconcileReason, number>>) => void;
}

export interface ReconcilerPass {
  readonly at: Date;
  readonly result: ReconcilePassResult;
}

export interface Reconciler {
  /** The last pass this replica finished as the leader; null before the first. */
  readonly lastPass: ReconcilerPass | null;
  readonly leading: boolean;
  /** One tick now (tests): leads if it can, then passes; never rejects. */
  tick(): Promise<void>;
  /** Stops the loop, waits for a running tick, ends the lock's session; never rejects. */
  stop(): Promise<void>;
}

/**
 * The reconciler's loop: every RECONCILE_INTERVAL_MS, the replica holding the lock runs a pass
 * (reconcile-pass.ts). Ticks never overlap (the next is scheduled when one ends), never throw
 * (a failure is logged and the next tick tries again), and their timer never holds the process.
 */
export function startReconciler(deps: ReconcilerDeps): Reconciler {
  const { config, logger } = deps;
  if (config.reconcileIntervalMs === 0) {
    logger.info("reconciler off (RECONCILE_INTERVAL_MS=0)");
    return { lastPass: null, leading: false, tick: () => Promise.resolve(), stop: () => Promise.resolve() };
  }
  const leadership = new ReconcileLeadership({
    databaseUrl: config.databaseUrl,
    queueName: config.queueName,
    statementTimeoutMs: STEP_TIMEOUT_MS,
    logger,
  });
  let cursors: ReconcileCursors = FIRST_CURSORS;
  let lastPass: ReconcilerPass | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;

  const pass = async (): Promise<void> => {
    if (stopped) return;
    if (deps.redis.status !== "ready") {
      logger.debug({ redis: deps.redis.status }, "reconciler: Redis not ready; pass skipped");
      return;
    }
    const db = await leadership.acquire();
    if (!db || stopped) return;
    const started = performance.now();
    const result = await reconcilePass(
      {
        db,
        store: deps.store,
        queue: deps.queue,
        redis: deps.redis,
        logger,
        settings: {
          pendingAgeMs: config.reconcilePendingAgeMs,
          claimTtlMs: config.claimTtlMs,
          batchSize: config.reconcileBatchSize,
          jobAttempts: config.jobAttempts,
          redisTimeoutMs: STEP_TIMEOUT_MS,
          fairness: config.fairness,
        },
      },
      cursors,
    );
    cursors = result.next;
    lastPass = { at: new Date(), result };
    deps.onPass?.(result.enqueued);
    const enqueued = result.enqueued.pending_without_job + result.enqueued.processing_claim_expired;
    const level = enqueued > 0 || result.enqueueFailures > 0 ? "info" : "debug";
    logger[level](
      {
        pending_candidates: result.candidates.pending_without_job,
        processing_candidates: result.candidates.processing_claim_expired,
        with_live_job: result.live,
        taken_by_another_replica: result.taken,
        enqueued_pending: result.enqueued.pending_without_job,
        enqueued_processing: result.enqueued.processing_claim_expired,
        enqueue_failures: result.enqueueFailures,
        duration_ms: Math.round(performance.now() - started),
      },
      "reconciler pass",
    );
  };

  // A database or Redis outage fails every pass: said once when it starts and once when it ends.
  let failing = false;
  const tick = (): Promise<void> => {
    running ??= pass()
      .then(
        () => {
          if (failing) logger.info("reconciler passes work again");
          failing = false;
        },
        (error: unknown) => {
          logger[failing ? "debug" : "error"](
            { err: describeError(error) },
            "reconciler pass failed; the next one tries again",
          );
          failing = true;
        },
      )
      .finally(() => {
        running = null;
      });
    return running;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void tick().finally(schedule);
    }, config.reconcileIntervalMs);
    timer.unref();
  };
  schedule();

  return {
    get lastPass() {
      return lastPass;
    },
    get leading() {
      return leadership.leading;
    },
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await leadership.release();
    },
  };
}
