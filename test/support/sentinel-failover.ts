/**
 * The Sentinel failover under load, shared by its test (test/supervisor/sentinel-failover.test.ts)
 * and its fault-suite row (faults/scenarios/sentinel-failover.ts): a worker on a Sentinel URL is
 * processing documents, the primary is SIGKILLed, the sentinels promote the replica, and the
 * worker must go on against the new primary with nothing lost, stuck or done twice.
 */
import { DEFAULT_DOCUMENT_JOB_OPTIONS } from "../../src/producer/enqueue-document.js";
import { DOCUMENT_JOB_NAME } from "../../src/producer/document-job.js";
import type { SentinelSet } from "./sentinel-set.js";
import type { TestEnvironment } from "./test-environment.js";
import { paragraphsOfText } from "./text.js";
import { waitUntil } from "./waits.js";
import type { WorkerProcess } from "./worker-process.js";

/**
 * The worker settings of a failover run: a short job lock, so jobs whose lock the failover lost
 * are taken again within seconds, and a reconciler that looks every second at documents PENDING
 * for 2 s without a job, so a job the failover lost (acknowledged by the old primary, never
 * replicated) is enqueued again. A worker without the reconciler ignores those two variables.
 */
export const FAILOVER_WORKER_ENV = {
  WORKER_THREADS: "2",
  JOB_LOCK_MS: "2000",
  RECONCILE_INTERVAL_MS: "1000",
  RECONCILE_PENDING_AGE_MS: "2000",
  LOG_LEVEL: "info",
};

export interface QueuedDocument {
  readonly documentId: string;
  readonly jobId: string;
}

/**
 * Stores and enqueues `count` text documents as the API would, then waits until the replica has
 * every job: the load itself is not what the failover may lose (what it may lose is the work done
 * on it afterwards, which the test is about). The reconciler covers a lost enqueue as well.
 */
export async function enqueueReplicated(
  env: TestEnvironment,
  set: SentinelSet,
  options: { count: number; bytes: number; seed: number },
): Promise<QueuedDocument[]> {
  const documents: Array<{ documentId: string; workspaceId: string }> = [];
  for (let i = 0; i < options.count; i += 1) {
    const seed = options.seed + i;
    documents.push(
      await env.insertDocument({ bytes: paragraphsOfText(seed, options.bytes), fileName: `s${seed}.txt` }),
    );
  }
  const jobs = await env.producer.queue.addBulk(
    documents.map(({ documentId, workspaceId }) => ({
      name: DOCUMENT_JOB_NAME,
      data: { documentId, workspaceId },
      opts: DEFAULT_DOCUMENT_JOB_OPTIONS,
    })),
  );
  await set.waitForReplicaInSync();
  return documents.map(({ documentId }, i) => ({ documentId, jobId: jobs[i]?.id ?? "" }));
}

export interface FailoverFigures {
  readonly oldPrimaryPort: number;
  readonly newPrimaryPort: number;
  /** From the SIGKILL to every sentinel naming the promoted replica. */
  readonly failoverMs: number;
  /**
   * From the SIGKILL to the first READY document among those still PENDING at the kill: the
   * worker fetching from the new primary (a document already fetched may finish without Redis).
   */
  readonly resumeMs: number;
  /** READY documents when the primary died. */
  readonly readyAtKill: number;
}

export async function countReady(
  env: TestEnvironment,
  documents: readonly QueuedDocument[],
): Promise<number> {
  const result = await env.db.query<{ n: string }>(
    "SELECT count(*) AS n FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY'",
    [documents.map((document) => document.documentId)],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/** Waits until `fraction` of the documents are READY, kills the primary and measures the recovery. */
export async function killPrimaryMidLoad(
  env: TestEnvironment,
  set: SentinelSet,
  documents: readonly QueuedDocument[],
  fraction = 0.25,
): Promise<FailoverFigures> {
  await waitUntil(
    `${fraction * 100}% of ${documents.length} documents READY before the failover`,
    async () => (await countReady(env, documents)) >= documents.length * fraction,
    { timeoutMs: 120_000, intervalMs: 50 },
  );
  const pending = await env.db.query<{ id: string }>(
    "SELECT id FROM documents WHERE id = ANY($1::uuid[]) AND status = 'PENDING'",
    [documents.map((document) => document.documentId)],
  );
  const killedAt = performance.now();
  const oldPrimaryPort = await set.killPrimary();
  const readyAtKill = await countReady(env, documents);
  const newPrimaryPort = await set.waitForFailover(oldPrimaryPort);
  const failoverMs = performance.now() - killedAt;
  await waitUntil(
    "a document PENDING at the kill to be READY (the worker fetching from the new primary)",
    async () => {
      const result = await env.db.query(
        "SELECT 1 FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY' LIMIT 1",
        [pending.rows.map((row) => row.id)],
      );
      return result.rows.length > 0;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  return {
    oldPrimaryPort,
    newPrimaryPort,
    failoverMs,
    resumeMs: performance.now() - killedAt,
    readyAtKill,
  };
}

/**
 * Waits until every document is READY and the queue has nothing left to run (jobs whose finish
 * the failover lost are run again, find the document READY and end); bounded by `timeoutMs`.
 */
export async function waitUntilSettled(
  env: TestEnvironment,
  documents: readonly QueuedDocument[],
  timeoutMs: number,
): Promise<void> {
  await waitUntil(
    `all ${documents.length} documents READY and the queue empty after the failover`,
    async () => {
      if ((await countReady(env, documents)) < documents.length) return false;
      const counts = await env.producer.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(counts).every((count) => count === 0);
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/**
 * What the run did to the queue and the documents: jobs the failover lost (gone from the new
 * primary: the reconciler enqueued their documents again) and documents the pipeline finished
 * more than once (a `document READY` log line each time; must be none).
 */
export async function failoverOutcome(
  env: TestEnvironment,
  documents: readonly QueuedDocument[],
  workers: readonly WorkerProcess[],
): Promise<{ lostJobs: number; processedTwice: string[]; reconciled: number }> {
  let lostJobs = 0;
  for (const { jobId } of documents) {
    if ((await env.producer.queue.getJob(jobId)) === undefined) lostJobs += 1;
  }
  const finished = new Map<string, number>();
  for (const line of workers.flatMap((worker) => worker.logs)) {
    if (line.message !== "document READY") continue;
    const id = String(line["document_id"]);
    finished.set(id, (finished.get(id) ?? 0) + 1);
  }
  const reconciled = workers
    .flatMap((worker) => worker.logs)
    .filter((line) => /reconcil/i.test(String(line.message)) && line["document_id"] !== undefined).length;
  return {
    lostJobs,
    processedTwice: [...finished].filter(([, times]) => times > 1).map(([id]) => id),
    reconciled,
  };
}
