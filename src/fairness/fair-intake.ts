import { WaitingError, type Job, type Processor, type QueueBase } from "bullmq";
import type { FairnessSettings } from "../config/fairness-settings.js";
import type { RedisClient } from "../config/redis-connection.js";
import { fairPriority } from "./fair-priority.js";

export interface FairIntakeDeps {
  /** The worker's connection (on a Redis Cluster, the one that reaches the queue's slot). */
  readonly redis: RedisClient;
  /** The worker itself, for the queue's key names; read when the first job comes. */
  readonly queue: () => Pick<QueueBase, "toKey">;
  readonly settings: Pick<FairnessSettings, "bulkAgingJobs" | "defaultWeight">;
}

/**
 * Wraps the worker's processor so that fairness holds whoever enqueued. A job added without a
 * priority (a plain add: rag-corp's API through BullMQ's Python client, a producer with the
 * fairness setting off, a script) lands on BullMQ's wait list, which BullMQ serves before every
 * prioritized job: it would skip every workspace's turn. On its first pick such a job is given its
 * fair priority (interactive lane, the script the producer runs) and put back to wait for it;
 * the processor never sees it then. Picked again, it has a priority and runs.
 *
 * A job alone in the queue (nothing else waiting) runs at once: there is no one to be fair to,
 * and putting it back would only cost it the round trips. A malformed job (no workspace) goes to
 * the processor, which fails it with its reason.
 */
export function withFairIntake(processor: Processor, deps: FairIntakeDeps): Processor {
  return async (job: Job, token?: string) => {
    const workspaceId = (job.data as { workspaceId?: unknown } | undefined)?.workspaceId;
    if (job.priority > 0 || typeof workspaceId !== "string" || token === undefined) {
      return processor(job, token);
    }
    const queue = deps.queue();
    const [waiting, prioritized] = await Promise.all([
      deps.redis.llen(queue.toKey("wait")),
      deps.redis.zcard(queue.toKey("prioritized")),
    ]);
    if (waiting === 0 && prioritized === 0) return processor(job, token);
    const { priority } = await fairPriority(
      deps.redis,
      queue,
      { workspaceId, lane: "interactive" },
      deps.settings,
    );
    await job.changePriority({ priority });
    await job.moveToWait(token);
    throw new WaitingError();
  };
}
