import { Worker, type Processor } from "bullmq";
import type { Config } from "../config/config.js";
import { queuePrefixOption, type RedisClient } from "../config/redis-connection.js";
import type { DocumentStore } from "../db/document-store.js";
import type { Queryable } from "../db/queryable.js";
import { documentErrorMessage } from "../errors/document-error-message.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import { withFairIntake } from "../fairness/fair-intake.js";
import { FORCE_CLOSE_GRACE_MS } from "./shutdown.js";

export interface QueueWorkerDeps {
  readonly config: Pick<
    Config,
    "queueName" | "threads" | "workerPrefetch" | "jobLockMs" | "redisUrl" | "fairness"
  >;
  readonly connection: RedisClient;
  readonly processor: Processor;
  readonly db: Queryable;
  readonly store: DocumentStore;
  readonly logger: Logger;
}

/**
 * The BullMQ worker that fetches jobs (not started: `run()` it). Jobs BullMQ fails by itself
 * (stalled too often after their workers were killed) never reached a thread that could record
 * the failure: their documents are marked FAILED here, so none stays PROCESSING.
 */
export function createQueueWorker(deps: QueueWorkerDeps): Worker {
  const { config, logger } = deps;
  // With fairness on, a job some producer added without a priority is given its fair one first.
  const processor = config.fairness.enabled
    ? withFairIntake(deps.processor, {
        redis: deps.connection,
        queue: () => worker,
        settings: config.fairness,
      })
    : deps.processor;
  const worker: Worker = new Worker(config.queueName, processor, {
    connection: deps.connection,
    // Hash-tagged on a Redis Cluster, so every key of the queue is on one slot.
    ...queuePrefixOption(config.redisUrl),
    // A job per thread, and WORKER_PREFETCH more waiting for one (ThreadSlots), so a thread that
    // finishes has its next job at hand rather than after a round trip to Redis.
    concurrency: config.threads + config.workerPrefetch,
    autorun: false,
    // The supervisor's event loop stays free (threads do the work), so renewals are on time;
    // the stalled check runs as often as a lock lasts, so a killed worker's jobs return soon.
    lockDuration: config.jobLockMs,
    stalledInterval: config.jobLockMs,
  });
  worker.on("error", (error) => logger.error({ err: describeError(error) }, "queue worker error"));
  worker.on("failed", (job, error) => {
    logger.warn(
      { job_id: job?.id, attempts_made: job?.attemptsMade, err: { message: error.message } },
      "job attempt failed",
    );
    const documentId = (job?.data as { documentId?: unknown } | undefined)?.documentId;
    const jobId = job?.id;
    if (!job || !jobId || typeof documentId !== "string") return;
    void job
      .getState()
      .then(async (state) => {
        if (state !== "failed") return;
        await deps.store.release(deps.db, {
          id: documentId,
          jobId,
          status: "FAILED",
          errorMessage: documentErrorMessage(error.message),
        });
      })
      .catch((releaseError: unknown) =>
        logger.error({ err: describeError(releaseError) }, "could not mark the failed job's document FAILED"),
      );
  });
  return worker;
}

/**
 * Closes the queue worker: it waits for the running jobs (finished, or handed back once the drain
 * deadline passes). One still closing when `forceClose` aborts waits on a Redis that does not
 * answer (completions and hand-backs cannot reach it): it is closed by force so the process exits.
 */
export async function closeQueueWorker(
  worker: Worker,
  forceClose: AbortSignal,
  logger: Logger,
): Promise<void> {
  const forced = new Promise<false>((resolve) => {
    if (forceClose.aborted) resolve(false);
    forceClose.addEventListener("abort", () => resolve(false));
  });
  const closed = await Promise.race([worker.close().then(() => true as const), forced]);
  if (closed) return;
  logger.error(
    "queue worker still closing long after the deadline (Redis unreachable?); closing it by force",
  );
  // close(true) itself waits on Redis for its connections; give it a moment, not forever.
  await Promise.race([
    worker.close(true).catch((error: unknown) => {
      logger.warn({ err: describeError(error) }, "forced close of the queue worker failed");
    }),
    new Promise((resolve) => setTimeout(resolve, FORCE_CLOSE_GRACE_MS)),
  ]);
}
