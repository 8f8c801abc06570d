/**
 * Tenant fairness and priority lanes with the real worker process: workspace B's one document,
 * enqueued while A has 2,000 jobs waiting, starts within about one job per thread, where plain
 * FIFO runs it after A's whole backlog, and so does a producer that adds jobs plainly (the
 * worker makes them fair); a bulk import yields QUEUE_BULK_AGING_JOBS rounds to
 * interactive work and is then served alongside it; a weight-2 workspace gets two turns to a
 * weight-1 one's; and a fair (prioritized) job the drain hands back still ends READY.
 *
 * A's jobs are cheap on purpose: their documents do not exist (the thread finds them MISSING in
 * a millisecond or two), so the order of the "Worker job iniciado" lines is the order BullMQ
 * served the jobs, at thousands of jobs a minute.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { FAIRNESS_DEFAULTS, type FairnessSettings } from "../../src/config/fairness-settings.js";
import { DocumentProducer, type EnqueueOptions } from "../../src/producer/enqueue-document.js";
import { after, describe, test } from "../support/bounded-test.js";
import { redisUrl } from "../support/services.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { paragraphsOfText } from "../support/text.js";
import { waitUntil } from "../support/waits.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const THREADS = 2;
const WORKER_ENV = {
  WORKER_THREADS: String(THREADS),
  WORKER_PREFETCH: "1",
  EMBEDDING_PROVIDER: "hash",
  LOG_LEVEL: "info",
};
/** A's backlog in the newcomer scenario. */
const FLOOD = 2_000;
/** Jobs a worker can hold when B arrives (one per thread, one prefetched), and log lines in the pipe. */
const SLACK = THREADS + 1 + 8;

describe("tenant fairness end to end", () => {
  const environments: TestEnvironment[] = [];
  const producers: DocumentProducer[] = [];
  const workers: WorkerProcess[] = [];
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
    for (const producer of producers) await producer.close();
    for (const env of environments) await env.close();
  });

  const world = async (label: string, fairness: FairnessSettings = FAIRNESS_DEFAULTS) => {
    const env = await createTestEnvironment(label, { embeddingDim: 16 });
    environments.push(env);
    const producer = new DocumentProducer(redisUrl(), env.queueName, { fairness });
    producers.push(producer);
    return { env, producer };
  };
  const startWorker = async (env: TestEnvironment, overrides: Record<string, string> = {}) => {
    const worker = startWorkerProcess(env.env({ ...WORKER_ENV, ...overrides }));
    workers.push(worker);
    await waitUntilServing(worker, THREADS);
    return worker;
  };
  /** `count` jobs for documents that do not exist (MISSING in a moment), 100 enqueues at a time. */
  const flood = async (
    producer: DocumentProducer,
    workspaceId: string,
    count: number,
    options?: EnqueueOptions,
  ) => {
    for (let done = 0; done < count; done += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - done) }, () =>
          producer.enqueue({ documentId: randomUUID(), workspaceId }, options),
        ),
      );
    }
  };
  /** Workspace of each job in the order the worker started them. */
  const started = (worker: WorkerProcess) =>
    worker.logs
      .filter((line) => line.message === "Worker job iniciado")
      .map((line) => String(line["workspace_id"]));
  /** How many jobs the worker started before `documentId`'s. */
  const startedBefore = (worker: WorkerProcess, documentId: string) =>
    worker.logs
      .filter((line) => line.message === "Worker job iniciado")
      .findIndex((line) => line["document_id"] === documentId);

  /** A's 2,000 jobs, the worker serving them, then B's one real document: how many of A's went between. */
  const newcomerScenario = async (
    label: string,
    fairness: FairnessSettings,
    workerEnv: Record<string, string> = {},
  ) => {
    const { env, producer } = await world(label, fairness);
    const [a, b] = [await env.createWorkspace("A"), await env.createWorkspace("B")];
    await flood(producer, a, FLOOD);
    const worker = await startWorker(env, workerEnv);
    await worker.waitForLog(() => started(worker).length >= 200);
    const doc = await env.insertDocument({
      bytes: paragraphsOfText(1, 2_000),
      fileName: "b.txt",
      workspaceId: b,
    });
    // Jobs of A taken from the queue (started, or fetched ahead) when B is enqueued: read from
    // Redis, not from the log lines, which trail the worker through a pipe.
    const takenBefore =
      FLOOD - (await producer.queue.getPrioritizedCount()) - (await producer.queue.getWaitingCount());
    await producer.enqueue({ documentId: doc.documentId, workspaceId: b });
    await waitUntil(
      "B's document READY",
      async () => (await env.documentRow(doc.documentId))?.status === "READY",
      { timeoutMs: 120_000 },
    );
    const aBetween = startedBefore(worker, doc.documentId) - takenBefore;
    const aLeftWhenBReady =
      (await producer.queue.getPrioritizedCount()) + (await producer.queue.getWaitingCount());
    return { aBetween, aLeftWhenBReady, worker };
  };

  test("B's one document starts within about a job per thread of A's 2,000-job backlog", async () => {
    const { aBetween, aLeftWhenBReady } = await newcomerScenario("fair-newcomer", FAIRNESS_DEFAULTS);
    assert.ok(aBetween <= SLACK, `${aBetween} of A's jobs started between B's enqueue and B's start`);
    assert.ok(aLeftWhenBReady > 1_000, `only ${aLeftWhenBReady} of A's jobs were left when B was READY`);
  });

  test("with QUEUE_FAIRNESS off (plain FIFO) the same document waits for A's whole backlog", async () => {
    const { aBetween } = await newcomerScenario(
      "fifo-newcomer",
      { ...FAIRNESS_DEFAULTS, enabled: false },
      { QUEUE_FAIRNESS: "off" },
    );
    assert.ok(aBetween >= 1_700, `only ${aBetween} of A's jobs started before B's under FIFO`);
  });

  test("jobs added without the fairness script (rag-corp's Python API) are made fair by the worker", async () => {
    // The producer adds plainly, as BullMQ's Python client does; the worker, fairness on, gives
    // each job its fair priority on its first pick and puts it back.
    const { aBetween, aLeftWhenBReady } = await newcomerScenario("plain-adds-newcomer", {
      ...FAIRNESS_DEFAULTS,
      enabled: false,
    });
    assert.ok(aBetween <= SLACK, `${aBetween} of A's jobs started between B's enqueue and B's start`);
    assert.ok(aLeftWhenBReady > 1_000, `only ${aLeftWhenBReady} of A's jobs were left when B was READY`);
  });

  test("a bulk import yields QUEUE_BULK_AGING_JOBS rounds to interactive work, then shares (aging)", async () => {
    const { env, producer } = await world("fair-lanes", { ...FAIRNESS_DEFAULTS, bulkAgingJobs: 50 });
    const [importer, user] = [await env.createWorkspace("importer"), await env.createWorkspace("user")];
    await flood(producer, importer, 400, { lane: "bulk" });
    await flood(producer, user, 400);
    const worker = await startWorker(env);
    await worker.waitForLog(() => started(worker).length >= 800, 120_000);
    const order = started(worker);
    const firstBulk = order.indexOf(importer);
    assert.ok(firstBulk >= 45 && firstBulk <= 55, `the import's first job started at ${firstBulk}`);
    const bulkBeforeLastInteractive = order
      .slice(0, order.lastIndexOf(user))
      .filter((w) => w === importer).length;
    assert.ok(bulkBeforeLastInteractive >= 300, `only ${bulkBeforeLastInteractive} bulk jobs ran alongside`);
  });

  test("a weight-2 workspace gets about two turns to a weight-1 workspace's", async () => {
    const { env, producer } = await world("fair-weights");
    const [heavy, light] = [await env.createWorkspace("heavy"), await env.createWorkspace("light")];
    await producer.setWorkspaceWeight(heavy, 2);
    await flood(producer, light, 400);
    await flood(producer, heavy, 400);
    const worker = await startWorker(env);
    await worker.waitForLog(() => started(worker).length >= 300, 120_000);
    const share =
      started(worker)
        .slice(0, 300)
        .filter((w) => w === heavy).length / 300;
    assert.ok(
      share > 0.6 && share < 0.73,
      `the weight-2 workspace took ${(share * 100).toFixed(0)} % of 300 turns`,
    );
  });

  test("a fair job handed back at the drain keeps its priority and ends READY with the next worker", async () => {
    const { env, producer } = await world("fair-drain");
    const workspaceId = await env.createWorkspace("slow");
    const overrides = { CHUNK_TOKENS: "4000", MAX_CHUNKS: "100000", MAX_EXTRACTED_CHARS: "100000000" };
    const first = await startWorker(env, { ...overrides, DRAIN_TIMEOUT_MS: "300" });
    const docs = [];
    for (let i = 0; i < 3; i += 1) {
      const doc = await env.insertDocument({
        bytes: paragraphsOfText(i, 6_000_000),
        fileName: `s${i}.txt`,
        workspaceId,
      });
      docs.push({ ...doc, jobId: await producer.enqueue({ documentId: doc.documentId, workspaceId }) });
    }
    await first.waitForLog((line) => line.message === "Worker job iniciado");
    first.child.kill("SIGTERM");
    assert.equal(await first.exited(), 0, first.stderr());
    const states = await Promise.all(docs.map((doc) => producer.queue.getJobState(doc.jobId)));
    assert.ok(
      states.every((state) => state === "prioritized" || state === "delayed"),
      states.join(","),
    );
    const jobs = await Promise.all(docs.map((doc) => producer.queue.getJob(doc.jobId)));
    assert.ok(
      jobs.every((job) => (job?.priority ?? 0) > 0),
      "every job kept a priority",
    );
    await startWorker(env, overrides);
    for (const doc of docs) {
      await waitUntil(
        `${doc.documentId} READY`,
        async () => (await env.documentRow(doc.documentId))?.status === "READY",
        { timeoutMs: 120_000 },
      );
    }
  });
});
