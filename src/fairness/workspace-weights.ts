import type { Queue } from "bullmq";
import { weight } from "../config/fairness-settings.js";
import type { RedisClient } from "../config/redis-connection.js";
import { fairnessKeys } from "./fairness-keys.js";

/**
 * A weight is a share, by the rule QUEUE_DEFAULT_WEIGHT and `ragworker fairness weight` read it
 * with (a positive finite number). Anything else is refused, not stored.
 */
export function checkWeight(value: number): number {
  const parsed = weight.schema.safeParse(value);
  if (!parsed.success) {
    throw new RangeError(`a workspace weight must be a positive finite number, not ${String(value)}`);
  }
  return parsed.data;
}

/**
 * Sets the share of `workspaceId` on `queue` (2: twice a weight-1 workspace's). Takes effect for
 * the workspace's next enqueue; jobs already queued keep their priorities.
 */
export async function setWorkspaceWeight(
  client: RedisClient,
  queue: Pick<Queue, "toKey">,
  workspaceId: string,
  weight: number,
): Promise<void> {
  await client.hset(fairnessKeys(queue).weights, workspaceId, String(checkWeight(weight)));
}

/** Back to QUEUE_DEFAULT_WEIGHT. */
export async function clearWorkspaceWeight(
  client: RedisClient,
  queue: Pick<Queue, "toKey">,
  workspaceId: string,
): Promise<void> {
  await client.hdel(fairnessKeys(queue).weights, workspaceId);
}

/** Every weight set on `queue`, by workspace id. */
export async function workspaceWeights(
  client: RedisClient,
  queue: Pick<Queue, "toKey">,
): Promise<Map<string, number>> {
  const stored = await client.hgetall(fairnessKeys(queue).weights);
  return new Map(Object.entries(stored).map(([workspace, weight]) => [workspace, Number(weight)]));
}
