import type { Queue } from "bullmq";
import type { RedisClient } from "../config/redis-connection.js";

/** Every state in which a job will still run, or is running: its document needs no other job. */
const LIVE_STATES = ["waiting", "prioritized", "delayed", "active", "waiting-children"] as const;
// HGETs per pipeline: one round trip per thousand jobs, replies small enough to hold at once.
const HGET_BATCH = 1_000;

export interface LiveDocumentJobs {
  /** Documents with at least one live job. */
  readonly documentIds: Set<string>;
  readonly jobs: number;
  /** Live jobs whose data could not be read (removed meanwhile, or not a document job). */
  readonly unreadable: number;
}

/**
 * The documents the queue's live jobs are for. Job ids are BullMQ's own (the API's jobs have no
 * document in their id), so each job's `data` is read. One getRanges call reads the ids of every
 * live state at once (a Lua script, so atomic: a job moving from waiting to active, or active
 * back to delayed, is seen exactly once), then `HGET data` for each id, pipelined a thousand at a
 * time. Cheaper than Queue.getJobs, which reads each job's whole hash (data, options, stack
 * traces, return value) and builds a Job object per id. The cost is one reply of every live id:
 * with 100,000 jobs waiting, about 4 MB. Run only when there are candidates.
 */
export async function findLiveDocumentJobs(queue: Queue, redis: RedisClient): Promise<LiveDocumentJobs> {
  const ids = await queue.getRanges([...LIVE_STATES], 0, -1);
  const documentIds = new Set<string>();
  let unreadable = 0;
  for (let start = 0; start < ids.length; start += HGET_BATCH) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(start, start + HGET_BATCH)) pipeline.hget(queue.toKey(id), "data");
    const replies = (await pipeline.exec()) ?? [];
    for (const [error, data] of replies) {
      if (error) throw error;
      const documentId = typeof data === "string" ? documentIdOf(data) : null;
      if (documentId === null) unreadable += 1;
      else documentIds.add(documentId);
    }
  }
  return { documentIds, jobs: ids.length, unreadable };
}

function documentIdOf(data: string): string | null {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== "object" || parsed === null) return null;
    const documentId: unknown = (parsed as Record<string, unknown>)["documentId"];
    return typeof documentId === "string" ? documentId : null;
  } catch (error) {
    // Not JSON: not a document job (the queue holds only those; counted as unreadable).
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
