/**
 * The job processor against a real Piscina pool whose threads run a scripted module
 * (test/support/scripted-thread.mjs) instead of the pipeline: every answer a thread can give, a
 * thread that dies, the document time limit and the shutdown's termination, each turned into
 * BullMQ's decision. Claims live in a real database and are released through the real store.
 * The job is a stand-in (what BullMQ then does with each decision is BullMQ's, and the drain's
 * process-level test watches it for a hand-back).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { DelayedError, UnrecoverableError } from "bullmq";
import { Piscina } from "piscina";
import { after, before, describe, it } from "../support/bounded-test.js";
import { documentStore } from "../../src/db/document-store.js";
import { createLogger } from "../../src/logging/logger.js";
import { WorkerMetrics } from "../../src/ops/worker-metrics.js";
import { createJobProcessor, type QueueJob } from "../../src/supervisor/job-processor.js";
import { JobsInFlight } from "../../src/supervisor/jobs-in-flight.js";
import { ThreadSlots } from "../../src/supervisor/thread-slots.js";
import { parseMetrics, select, single } from "../support/metrics-samples.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { waitUntil, within } from "../support/waits.js";

const SCRIPTED_THREAD = new URL("../support/scripted-thread.mjs", import.meta.url).href;
const store = documentStore("ragworker");

interface ThreadMessage {
  readonly type: string;
  readonly jobId: string;
}

function isThreadMessage(value: unknown): value is ThreadMessage {
  return typeof value === "object" && value !== null && "type" in value && "jobId" in value;
}

describe("job processor on a real thread pool", () => {
  let env: TestEnvironment;
  let pool: Piscina;
  /** What the threads said, in order, with the job they said it about. */
  const said: ThreadMessage[] = [];

  before(async () => {
    env = await createTestEnvironment("job-processor-pool", { embeddingDim: 16 });
    // The supervisor's pool settings (src/supervisor/thread-pool.ts), the scripted module for threads.
    pool = new Piscina({
      filename: SCRIPTED_THREAD,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      concurrentTasksPerWorker: 1,
      atomics: "async",
    });
    pool.on("message", (message: unknown) => {
      if (isThreadMessage(message)) said.push(message);
    });
  });
  after(async () => {
    await pool?.destroy();
    await env?.close();
  });

  /**
   * A processor on the shared pool and a stand-in job whose `requestId` scripts the thread's
   * answer; the job's document is in the database (PENDING), and with `claimed` claimed by the job first.
   */
  async function setUp(
    script: string,
    options: {
      attemptsMade?: number;
      claimed?: boolean;
      documentTimeoutMs?: number;
      documentTimeoutGraceMs?: number;
      terminating?: AbortSignal;
    } = {},
  ) {
    const jobId = `job-${randomUUID()}`;
    // A document that needs work, so the supervisor's lookup sends the job to a thread.
    const doc = await env.insertDocument({ bytes: "claimed", fileName: "claimed.txt" });
    const ids = { documentId: doc.documentId, workspaceId: doc.workspaceId };
    if (options.claimed) {
      const claim = await store.claim(env.db, { ...ids, id: ids.documentId, jobId, claimTtlMs: 60_000 });
      assert.ok(claim, "the document was claimed by the job");
    }
    const metrics = new WorkerMetrics();
    const movedBack: Array<{ timestamp: number; token: string | undefined }> = [];
    const job: QueueJob = {
      id: jobId,
      data: { ...ids, requestId: script },
      attemptsMade: options.attemptsMade ?? 0,
      opts: { attempts: 3 },
      moveToDelayed: async (timestamp: number, token?: string) => {
        movedBack.push({ timestamp, token });
      },
      updateProgress: async () => undefined,
    };
    const processor = createJobProcessor({
      pool,
      slots: new ThreadSlots(1),
      db: env.db,
      store,
      logger: createLogger("silent"),
      shutdown: { terminating: options.terminating ?? new AbortController().signal },
      inFlight: new JobsInFlight(createLogger("silent")),
      circuits: { reportDown: () => undefined },
      dependencyHandBackDelayMs: 0,
      metrics,
      documentTimeoutMs: options.documentTimeoutMs ?? 60_000,
      documentTimeoutGraceMs: options.documentTimeoutGraceMs ?? 1_000,
    });
    const counts = async () => {
      const samples = parseMetrics(await metrics.registry.metrics());
      const processed = (status: string) =>
        select(samples, "rag_worker_processed_total", { status })[0]?.value ?? 0;
      return {
        ready: processed("READY"),
        pending: processed("PENDING"),
        failed: processed("FAILED"),
        bugs: single(samples, "rag_worker_unexpected_errors_total"),
        crashes: single(samples, "rag_worker_thread_crashes_total"),
      };
    };
    return {
      jobId,
      documentId: ids.documentId,
      run: () => within(processor(job, "lock-token"), `job ${jobId} (${script}) to be decided`),
      movedBack,
      counts,
      row: () => env.documentRow(ids.documentId),
      saidAbout: () => said.filter((message) => message.jobId === jobId).map((message) => message.type),
    };
  }

  const plainError = (pattern: RegExp) => (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.ok(!(error instanceof UnrecoverableError), "retried: not an UnrecoverableError");
    assert.ok(!(error instanceof DelayedError), "not moved back to the queue");
    assert.match(error.message, pattern);
    return true;
  };

  it("done: the processor returns the status, and BullMQ completes the job", async () => {
    const { run, counts, saidAbout } = await setUp("done");
    assert.deepEqual(await run(), { status: "READY", chunksCreated: 3 });
    // The thread's own message travels beside the task's result, not before it: waited for.
    await waitUntil("the task's thread to say it started", () => saidAbout().length > 0);
    assert.deepEqual(saidAbout(), ["started"], "the task ran in a thread of the pool");
    assert.deepEqual(await counts(), { ready: 1, pending: 0, failed: 0, bugs: 0, crashes: 0 });
  });

  it("failed-permanently: UnrecoverableError, no retry", async () => {
    const { run, counts, movedBack } = await setUp("failed-permanently");
    await assert.rejects(run(), (error: unknown) => {
      assert.ok(error instanceof UnrecoverableError);
      assert.equal(error.message, "CORRUPT_FILE: scripted failed-permanently");
      return true;
    });
    assert.deepEqual(movedBack, []);
    assert.deepEqual(await counts(), { ready: 0, pending: 0, failed: 1, bugs: 0, crashes: 0 });
  });

  it("failed-retryable: a plain Error, so BullMQ retries; FAILED in the metrics on the last attempt", async () => {
    const first = await setUp("failed-retryable");
    await assert.rejects(first.run(), plainError(/^DATABASE_UNAVAILABLE: scripted failed-retryable$/));
    assert.deepEqual(await first.counts(), { ready: 0, pending: 1, failed: 0, bugs: 0, crashes: 0 });

    const last = await setUp("failed-retryable", { attemptsMade: 2 });
    await assert.rejects(last.run(), plainError(/^DATABASE_UNAVAILABLE: /));
    assert.deepEqual(await last.counts(), { ready: 0, pending: 0, failed: 1, bugs: 0, crashes: 0 });
  });

  it("unexpected-error: retried like a retryable failure and counted as a bug", async () => {
    const { run, counts, movedBack } = await setUp("unexpected-error");
    await assert.rejects(run(), plainError(/^UNEXPECTED_ERROR: scripted unexpected-error$/));
    assert.deepEqual(movedBack, []);
    assert.deepEqual(await counts(), { ready: 0, pending: 1, failed: 0, bugs: 1, crashes: 0 });
  });

  it("handed-back: the claim released PENDING, the job moved back with its lock token, then DelayedError", async () => {
    const { run, counts, movedBack, row } = await setUp("handed-back", { claimed: true });
    await assert.rejects(run(), DelayedError);
    assert.deepEqual(
      movedBack.map((move) => move.token),
      ["lock-token"],
    );
    assert.deepEqual(await row(), { status: "PENDING", error_message: null });
    assert.deepEqual(await counts(), { ready: 0, pending: 1, failed: 0, bugs: 0, crashes: 0 });
  });

  it("a task that rejects in its thread is a typed crash (THREAD_CRASHED), retried", async () => {
    const { run, counts } = await setUp("throw");
    await assert.rejects(run(), plainError(/^THREAD_CRASHED: .*scripted throw/));
    assert.deepEqual(await counts(), { ready: 0, pending: 1, failed: 0, bugs: 0, crashes: 1 });
  });

  it("a thread that exits mid-task: THREAD_CRASHED, its claim released through the store, a new thread serves", async () => {
    const crashed = await setUp("exit", { claimed: true });
    await assert.rejects(crashed.run(), plainError(/^THREAD_CRASHED: /));
    const row = await crashed.row();
    assert.equal(row?.status, "PENDING", "released for the retry");
    assert.match(row?.error_message ?? "", /^THREAD_CRASHED: /);
    assert.deepEqual(await crashed.counts(), { ready: 0, pending: 1, failed: 0, bugs: 0, crashes: 1 });

    // On the last attempt the released claim says FAILED.
    const last = await setUp("exit", { claimed: true, attemptsMade: 2 });
    await assert.rejects(last.run(), plainError(/^THREAD_CRASHED: /));
    assert.equal((await last.row())?.status, "FAILED");

    // Piscina replaced the thread: the pool still answers.
    const next = await setUp("done");
    assert.deepEqual(await next.run(), { status: "READY", chunksCreated: 3 });
  });

  it("the document time limit: the task's flag raised first, the task aborted after the grace, FAILED for good", async () => {
    const { run, counts, row, saidAbout } = await setUp("block", {
      claimed: true,
      documentTimeoutMs: 100,
      documentTimeoutGraceMs: 1_000,
    });
    const decided = run().then(
      () => assert.fail("a blocked task cannot complete"),
      (error: unknown) => {
        // What the thread had said by the time the processor decided.
        return { error, saidBefore: saidAbout() };
      },
    );
    const { error, saidBefore } = await decided;
    assert.ok(error instanceof UnrecoverableError, String(error));
    assert.match(error.message, /^DOCUMENT_TIMEOUT: time limit exceeded: .*DOCUMENT_TIMEOUT_MS=100$/);
    assert.deepEqual(
      saidBefore,
      ["started", "time-limit-flag-raised"],
      "the thread saw its flag raised before it was terminated",
    );
    const failed = await row();
    assert.equal(failed?.status, "FAILED");
    assert.match(failed?.error_message ?? "", /DOCUMENT_TIMEOUT_MS=100/);
    assert.deepEqual(await counts(), { ready: 0, pending: 0, failed: 1, bugs: 0, crashes: 1 });

    const next = await setUp("done");
    assert.deepEqual(await next.run(), { status: "READY", chunksCreated: 3 }, "a new thread serves");
  });

  it("the shutdown's terminating signal aborts a blocked task: handed back, its claim PENDING", async () => {
    const terminating = new AbortController();
    const { run, counts, movedBack, row, saidAbout } = await setUp("block", {
      claimed: true,
      terminating: terminating.signal,
    });
    const decided = run();
    decided.catch(() => undefined);
    await waitUntil("the blocked task to start in its thread", () => saidAbout().includes("started"));
    terminating.abort();
    await assert.rejects(decided, DelayedError);
    assert.equal(movedBack.length, 1, "moved back to the queue, no attempt spent");
    assert.deepEqual(await row(), { status: "PENDING", error_message: null });
    assert.deepEqual(await counts(), { ready: 0, pending: 1, failed: 0, bugs: 0, crashes: 0 });

    const next = await setUp("done");
    assert.deepEqual(await next.run(), { status: "READY", chunksCreated: 3 }, "a new thread serves");
  });
});
