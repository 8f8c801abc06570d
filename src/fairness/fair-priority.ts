import type { Queue } from "bullmq";
import type { FairnessSettings } from "../config/fairness-settings.js";
import type { RedisClient } from "../config/redis-connection.js";
import { FAIR_PRIORITY_LUA, FAIR_PRIORITY_SHA } from "./fair-priority-script.js";
import type { Lane } from "./lane.js";
import { fairnessKeys } from "./fairness-keys.js";

/** BullMQ's largest priority (Job.validateOptions refuses more); 0 would mean "no priority". */
export const MAX_PRIORITY = 2 ** 21 - 1;
/** An add follows its script within milliseconds; a flow given a job this recently may still have one on its way. */
export const FORGET_AFTER_MS = 2_000;
/**
 * Past this virtual time the clock restarts at 0 as soon as no flow is remembered (see the
 * script): half of the virtual range, which ends at MAX_PRIORITY / 2.
 */
export const REBASE_AT = 2 ** 19;

export interface FairPriority {
  /** The BullMQ priority the job is added with. */
  readonly priority: number;
  /** The virtual clock passed MAX_PRIORITY: fairness is FIFO until the queue is idle again. */
  readonly clamped: boolean;
}

/**
 * The priority of the next job of `workspaceId` in `lane`, from the script in
 * fair-priority-script.ts: one EVALSHA (EVAL the first time a server sees it). The queue's own
 * connection runs it, on the queue's prefix, so on a Redis Cluster it lands on the queue's slot.
 */
export async function fairPriority(
  client: RedisClient,
  queue: Pick<Queue, "toKey">,
  flow: { readonly workspaceId: string; readonly lane: Lane },
  settings: Pick<FairnessSettings, "bulkAgingJobs" | "defaultWeight">,
): Promise<FairPriority> {
  const keys = fairnessKeys(queue);
  const keyList = [
    queue.toKey("prioritized"),
    queue.toKey("wait"),
    queue.toKey("delayed"),
    queue.toKey("active"),
    keys.clock,
    keys.finish,
    keys.touched,
    keys.weights,
  ];
  const args = [
    queue.toKey(""),
    flow.workspaceId,
    flow.lane,
    String(settings.bulkAgingJobs),
    String(settings.defaultWeight),
    String(MAX_PRIORITY),
    String(FORGET_AFTER_MS),
    String(REBASE_AT),
  ];
  const reply = await evalCached(client, keyList, args);
  if (!Array.isArray(reply) || typeof reply[0] !== "number" || typeof reply[1] !== "number") {
    throw new TypeError(`the fairness script answered ${JSON.stringify(reply)}, not [priority, clamped]`);
  }
  return { priority: reply[0], clamped: reply[1] === 1 };
}

/** EVALSHA, and EVAL when the server does not have the script yet (a restart, a new node). */
async function evalCached(client: RedisClient, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await client.evalsha(FAIR_PRIORITY_SHA, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(FAIR_PRIORITY_LUA, keys.length, ...keys, ...args);
  }
}
