import type { Queue } from "bullmq";

/**
 * The fairness state of a queue, under the queue's own prefix (`bull:<queue>:fair:…`, or
 * `{ragworker}:<queue>:fair:…` on a Redis Cluster) so it shares the queue's hash slot.
 */
export function fairnessKeys(queue: Pick<Queue, "toKey">) {
  return {
    /** hash: `v`, the virtual time. */
    clock: queue.toKey("fair:clock"),
    /** hash: flow (`<workspace>|<lane>`) → virtual finish tag of its last job. */
    finish: queue.toKey("fair:finish"),
    /** hash: flow → when (Redis time, ms) it was last given a job. */
    touched: queue.toKey("fair:touched"),
    /** hash: workspace id → weight (absent: QUEUE_DEFAULT_WEIGHT). */
    weights: queue.toKey("fair:weights"),
  };
}
