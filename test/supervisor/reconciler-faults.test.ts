/**
 * Short versions of fault rows 8, 9 and 11 with real worker processes and a short reconciler
 * (every 500 ms, PENDING after 1 s): documents inserted with no job at all, the queue's keys
 * deleted mid-load (Redis lost its data), and three replicas over one backlog. Each document ends
 * READY exactly once: one "document READY" line for it across the workers, chunk indexes exact.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createRedis } from "../../src/config/redis-connection.js";
import { redisUrl } from "../support/services.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { waitUntil } from "../support/waits.js";
import { readyLinesFor, startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

const RECONCILE_ENV = {
  RECONCILE_INTERVAL_MS: "500",
  RECONCILE_PENDING_AGE_MS: "1000",
  RECONCILE_BATCH_SIZE: "10",
};
const ALL_READY_TIMEOUT_MS = 120_000;

function text(seed: number): string {
  return Array.from(
    { length: 300 },
    (_, p) => `Paragraph ${seed}-${p}: words ${seed * 7 + p} and more.`,
  ).join("\n\n");
}

describe("reconciler with worker processes", () => {
  let env: TestEnvironment;
  let redis: Redis;
  const workers: WorkerProcess[] = [];
  const start = (overrides: Record<string, string> = {}) => {
    const worker = startWorkerProcess(env.env({ WORKER_THREADS: "1", ...RECONCILE_ENV, ...overrides }));
    workers.push(worker);
    return worker;
  };
  // Three workers start at once, each loading its thread's parsers: on a busy 2-core machine that
  // has taken more than the default 30 s, so the bound is wider here.
  const STARTED_TIMEOUT_MS = 90_000;
  const started = (worker: WorkerProcess) =>
    worker.waitForLog((line) => line.message === "Worker arrancando", STARTED_TIMEOUT_MS);

  before(async () => {
    env = await createTestEnvironment("reconciler-faults", { embeddingDim: 8 });
    const client = createRedis(redisUrl(), { maxRetriesPerRequest: null });
    // One server (services.sh): SCAN below walks its one keyspace.
    assert.ok(client instanceof Redis);
    redis = client;
    redis.on("error", () => undefined);
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
    redis.disconnect();
    await env.close();
  });

  const insert = async (count: number, seed: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const doc = await env.insertDocument({ bytes: text(seed + i), fileName: `r${seed + i}.txt` });
      ids.push(doc.documentId);
    }
    return ids;
  };
  const readyCount = async (ids: readonly string[]) =>
    Number(
      (
        await env.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY'",
          [ids],
        )
      ).rows[0]?.n,
    );
  /** Every document READY, processed once (one READY line across `those` workers), chunks exact. */
  const assertReadyOnce = async (ids: readonly string[], those: readonly WorkerProcess[]) => {
    await waitUntil(`all ${ids.length} documents READY`, async () => (await readyCount(ids)) === ids.length, {
      timeoutMs: ALL_READY_TIMEOUT_MS,
      intervalMs: 200,
    });
    const readyLines = await readyLinesFor(those, ids);
    const perDocument = new Map<string, number>();
    for (const line of readyLines) {
      const id = String(line["document_id"]);
      perDocument.set(id, (perDocument.get(id) ?? 0) + 1);
    }
    assert.deepEqual(
      [...perDocument.values()].filter((n) => n !== 1),
      [],
      "no document processed twice",
    );
    assert.equal(perDocument.size, ids.length);
    const chunks = await env.db.query<{ chunks: string; distinct_indexes: string; max_index: number }>(
      `SELECT count(c.id) AS chunks, count(DISTINCT c.chunk_index) AS distinct_indexes, max(c.chunk_index) AS max_index
         FROM documents d JOIN chunks c ON c.document_id = d.id WHERE d.id = ANY($1::uuid[]) GROUP BY d.id`,
      [ids],
    );
    assert.equal(chunks.rows.length, ids.length);
    for (const row of chunks.rows) {
      assert.equal(Number(row.distinct_indexes), Number(row.chunks));
      assert.equal(Number(row.max_index), Number(row.chunks) - 1);
    }
  };

  test("row 9: documents inserted with no job (the API died before enqueueing) all end READY", async () => {
    const ids = await insert(12, 0);
    const worker = start();
    await started(worker);
    await assertReadyOnce(ids, [worker]);
    const reenqueued = worker.logs.filter((line) => line.message === "reconciler: document enqueued again");
    assert.equal(reenqueued.length, ids.length);
    assert.ok(reenqueued.every((line) => line["reason"] === "pending_without_job"));
    assert.equal(await worker.stop(), 0);
  });

  test("row 8: the queue's keys deleted mid-load (Redis lost its data): every document READY exactly once", async () => {
    const ids = await insert(20, 100);
    for (const documentId of ids) {
      const row = await env.db.query<{ workspace_id: string }>(
        "SELECT workspace_id FROM documents WHERE id = $1",
        [documentId],
      );
      await env.enqueue({ documentId, workspaceId: row.rows[0]?.workspace_id ?? "" });
    }
    const worker = start();
    await waitUntil("a few documents READY", async () => (await readyCount(ids)) >= 3, { intervalMs: 20 });
    // What a Redis restarted without persistence leaves: none of the queue's keys.
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `bull:${env.queueName}:*`, count: 1000 })) {
      if ((keys as string[]).length > 0) deleted += await redis.del(...(keys as string[]));
    }
    assert.ok(deleted > 0);
    assert.ok((await readyCount(ids)) < ids.length, "the loss struck mid-load");
    await assertReadyOnce(ids, [worker]);
    assert.ok(worker.logs.some((line) => line.message === "reconciler: document enqueued again"));
    assert.equal(await worker.stop(), 0);
  });

  test("row 11: three replicas over one backlog: one job per document, each processed once", async () => {
    const ids = await insert(24, 200);
    const three = [start(), start(), start()];
    await Promise.all(three.map(started));
    await assertReadyOnce(ids, three);
    const reenqueued = three.flatMap((worker) =>
      worker.logs.filter((line) => line.message === "reconciler: document enqueued again"),
    );
    const jobIds = reenqueued.map((line) => String(line["job_id"]));
    assert.equal(new Set(jobIds).size, ids.length, "one job per document");
    assert.equal(jobIds.length, ids.length, "no document enqueued twice");
    const completed = await env.producer.queue.getJobs(["completed"]);
    const forThese = completed.filter((job) => ids.includes(job.data.documentId));
    assert.equal(forThese.length, ids.length, "the queue ran one job per document");
    for (const worker of three) assert.equal(await worker.stop(), 0);
  });
});
