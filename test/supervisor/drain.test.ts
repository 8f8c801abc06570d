/**
 * SIGTERM drain with the real worker process: readiness drops at once, running jobs that miss the
 * deadline go back to the queue (no attempt spent), the process exits 0, and a new worker
 * finishes everything with exact chunk counts.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "../support/bounded-test.js";
import { fileURLToPath } from "node:url";
import type { Job } from "bullmq";
import { DocumentProducer } from "../../src/producer/enqueue-document.js";
import { assertDocumentsReadyExactly } from "../support/document-assertions.js";
import { startPrivateRedis } from "../support/private-redis.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";
import { paragraphsOfText } from "../support/text.js";

const SLOW_DOCUMENT_BYTES = 6_000_000;
const WORKER_ENV = {
  WORKER_THREADS: "2",
  CHUNK_TOKENS: "4000",
  CHUNK_OVERLAP_TOKENS: "0",
  MAX_CHUNKS: "100000",
  MAX_EXTRACTED_CHARS: "100000000",
};

async function readyzStatus(port: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("drain on SIGTERM", () => {
  // Each test has its own database, queue and workers, so none depends on what one before it left.
  const environments: TestEnvironment[] = [];
  const workers: WorkerProcess[] = [];
  const freshEnvironment = async (label: string) => {
    const env = await createTestEnvironment(label, { embeddingDim: 32 });
    environments.push(env);
    return env;
  };
  const start = (env: TestEnvironment, overrides: Record<string, string>) => {
    const worker = startWorkerProcess(env.env({ ...WORKER_ENV, ...overrides }));
    workers.push(worker);
    return worker;
  };

  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
    for (const env of environments) await env.close();
  });

  const enqueueSlowDocuments = async (env: TestEnvironment, count: number) => {
    const jobs: Array<{ job: Job; documentId: string }> = [];
    for (let i = 0; i < count; i += 1) {
      const { documentId, workspaceId } = await env.insertDocument({
        bytes: paragraphsOfText(i, SLOW_DOCUMENT_BYTES),
        fileName: `slow-${i}.txt`,
      });
      jobs.push({ job: await env.enqueue({ documentId, workspaceId }, 3), documentId });
    }
    return jobs;
  };

  const indexOf = (worker: WorkerProcess, message: string) =>
    worker.logs.findIndex((line) => line.message === message);

  test("jobs past the deadline go back to the queue; the next worker finishes them all", async () => {
    const env = await freshEnvironment("drain-deadline");
    const worker = start(env, { DRAIN_TIMEOUT_MS: "100" });
    const listening = await worker.waitForLog((line) => line.message === "ops server listening");
    const port = Number(listening["port"]);
    const jobs = await enqueueSlowDocuments(env, 5);
    await worker.waitForLog(
      (line) =>
        worker.logs.filter((l) => l.message === "Worker job iniciado").length >= 2 &&
        line.message === "Worker job iniciado",
    );
    assert.equal((await readyzStatus(port)).status, 200);

    worker.child.kill("SIGTERM");
    await worker.waitForLog((line) => line.message === "draining: no new jobs, waiting for running ones");
    const during = await readyzStatus(port);
    assert.equal(during.status, 503);
    assert.equal(during.body["draining"], true);

    assert.equal(await worker.exited(), 0, worker.stderr());
    const handedBack = worker.logs.filter(
      (line) => line.message === "drain deadline reached; handing the job back to the queue",
    );
    assert.ok(handedBack.length >= 1, "at least one job was still running at the deadline");
    // In this order: drain, hand back at the deadline, then the threads close.
    const draining = indexOf(worker, "draining: no new jobs, waiting for running ones");
    const firstHandBack = indexOf(worker, "drain deadline reached; handing the job back to the queue");
    const poolsClosed = indexOf(worker, "every thread closed its database pool");
    assert.ok(
      draining >= 0 && draining < firstHandBack && firstHandBack < poolsClosed,
      "drain → hand back → close",
    );

    const stuck = await env.db.query("SELECT id FROM documents WHERE status = 'PROCESSING'");
    assert.deepEqual(stuck.rows, [], "no document left PROCESSING");
    for (const line of handedBack) {
      const job = await env.producer.queue.getJob(String(line["job_id"]));
      assert.equal(job?.attemptsMade, 0, "handing back spends no attempt");
      assert.ok(["delayed", "waiting", "wait", "prioritized"].includes(String(await job?.getState())));
    }

    const next = start(env, {});
    await assertDocumentsReadyExactly(env, jobs);
    assert.equal(await next.stop(), 0);
  });

  test("onnx threads stop at a checkpoint at the deadline (terminating them mid-inference would crash)", async () => {
    const onnxEnv = await freshEnvironment("drain-onnx");
    {
      const model = fileURLToPath(new URL("../fixtures/tiny-bert", import.meta.url));
      const onnxOverrides = {
        ...WORKER_ENV,
        EMBEDDING_PROVIDER: "onnx",
        EMBEDDING_MODEL: model,
        DRAIN_TIMEOUT_MS: "200",
      };
      const worker = startWorkerProcess(onnxEnv.env(onnxOverrides));
      await worker.waitForLog((line) => line.message === "Worker arrancando");
      const jobs: Job[] = [];
      for (let i = 0; i < 2; i += 1) {
        const doc = await onnxEnv.insertDocument({
          bytes: paragraphsOfText(100 + i, SLOW_DOCUMENT_BYTES),
          fileName: `o${i}.txt`,
        });
        jobs.push(await onnxEnv.enqueue(doc, 3));
      }
      await worker.waitForLog(
        () => worker.logs.filter((line) => line.message === "Worker job iniciado").length >= 2,
      );
      worker.child.kill("SIGTERM");
      assert.equal(await worker.exited(), 0, worker.stderr());
      assert.ok(
        worker.logs.some(
          (line) => line.message === "drain deadline reached; handing the job back to the queue",
        ),
      );
      const stuck = await onnxEnv.db.query("SELECT id FROM documents WHERE status = 'PROCESSING'");
      assert.deepEqual(stuck.rows, []);
      const next = startWorkerProcess(
        onnxEnv.env({ ...WORKER_ENV, EMBEDDING_PROVIDER: "onnx", EMBEDDING_MODEL: model }),
      );
      try {
        for (const job of jobs) assert.equal((await onnxEnv.finished(job)).state, "completed");
      } finally {
        await next.stop();
      }
    }
  });

  test("with Redis gone during the drain, the worker still exits 0 and leaves nothing PROCESSING", async () => {
    const env = await freshEnvironment("drain-redis-gone");
    const redis = await startPrivateRedis();
    const producer = new DocumentProducer(redis.url, env.queueName);
    try {
      const worker = start(env, { REDIS_URL: redis.url, DRAIN_TIMEOUT_MS: "300" });
      await worker.waitForLog((line) => line.message === "Worker arrancando");
      const doc = await env.insertDocument({
        bytes: paragraphsOfText(500, SLOW_DOCUMENT_BYTES),
        fileName: "r.txt",
      });
      await producer.enqueue(doc, { attempts: 3 });
      await worker.waitForLog((line) => line.message === "Worker job iniciado");
      await redis.stop();
      worker.child.kill("SIGTERM");
      assert.equal(await worker.exited(), 0, worker.stderr());
      const row = await env.db.query<{ status: string }>("SELECT status FROM documents WHERE id = $1", [
        doc.documentId,
      ]);
      assert.notEqual(row.rows[0]?.status, "PROCESSING");
    } finally {
      await producer.close().catch(() => undefined);
      await redis.stop().catch(() => undefined);
    }
  });

  test("a second signal hands running jobs back at once and exits 0", async () => {
    const env = await freshEnvironment("drain-second-signal");
    // A drain deadline an hour away: an exit within exited()'s bound is the second signal's doing.
    const worker = start(env, { DRAIN_TIMEOUT_MS: "3600000" });
    await worker.waitForLog((line) => line.message === "Worker arrancando");
    const jobs = await enqueueSlowDocuments(env, 3);
    await worker.waitForLog((line) => line.message === "Worker job iniciado");
    worker.child.kill("SIGTERM");
    await worker.waitForLog((line) => line.message === "draining: no new jobs, waiting for running ones");
    worker.child.kill("SIGINT");
    assert.equal(await worker.exited(), 0, worker.stderr());
    const secondSignal = indexOf(worker, "second signal; handing running jobs back to the queue now");
    assert.ok(secondSignal >= 0, "the second signal was logged");
    assert.ok(
      worker.logs
        .slice(0, secondSignal)
        .every((line) => !String(line.message).startsWith("drain deadline reached")),
      "nothing was handed back before the second signal",
    );
    const stuck = await env.db.query("SELECT id FROM documents WHERE status = 'PROCESSING'");
    assert.deepEqual(stuck.rows, []);

    start(env, {});
    await assertDocumentsReadyExactly(env, jobs);
  });

  test("a prefetched job that never reached a thread goes back at the drain's start, untouched", async () => {
    const env = await freshEnvironment("drain-prefetched");
    // One thread, one job fetched ahead of it; a deadline an hour away, so nothing else hands back.
    const worker = start(env, { WORKER_THREADS: "1", WORKER_PREFETCH: "1", DRAIN_TIMEOUT_MS: "3600000" });
    await worker.waitForLog((line) => line.message === "Worker arrancando");
    const jobs = await enqueueSlowDocuments(env, 2);
    // Both fetched: one on the thread, the other waiting for it.
    await worker.waitForLog(
      () => worker.logs.filter((line) => line.message === "Worker job iniciado").length >= 2,
    );
    worker.child.kill("SIGTERM");
    const handedBack = await worker.waitForLog(
      (line) => line.message === "draining; a prefetched job that had not started goes back to the queue",
    );
    const prefetched = jobs.find(({ job }) => job.id === handedBack["job_id"]);
    assert.ok(prefetched, "the hand-back names one of the jobs");
    const job = await env.producer.queue.getJob(String(prefetched.job.id));
    assert.equal(job?.attemptsMade, 0, "handing back spends no attempt");
    assert.ok(["delayed", "waiting", "wait", "prioritized"].includes(String(await job?.getState())));
    const row = await env.db.query<{ status: string; processing_job_id: string | null }>(
      "SELECT status, processing_job_id FROM documents WHERE id = $1",
      [prefetched.documentId],
    );
    assert.deepEqual(row.rows[0], { status: "PENDING", processing_job_id: null }, "never claimed");
    assert.ok(
      worker.logs.every((line) => !String(line.message).startsWith("drain deadline reached")),
      "the running job was not handed back: it is still within the drain",
    );

    // The running one goes back on the second signal; the next worker finishes both.
    worker.child.kill("SIGINT");
    assert.equal(await worker.exited(), 0, worker.stderr());
    start(env, {});
    await assertDocumentsReadyExactly(env, jobs);
  });
});
