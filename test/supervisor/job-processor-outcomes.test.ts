/**
 * The supervisor's decision for each outcome a thread reports, in-process with a stand-in pool:
 * BullMQ's answer, the metrics, and no decision taken from an error code and the drain together.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "../support/bounded-test.js";
import { DelayedError, UnrecoverableError } from "bullmq";
import type { DocumentStore, ReleaseRequest } from "../../src/db/document-store.js";
import { createLogger } from "../../src/logging/logger.js";
import { WorkerMetrics } from "../../src/ops/worker-metrics.js";
import type { LoadedDocument } from "../../src/db/document-repository.js";
import {
  emptyTaskStats,
  type DocumentTask,
  type TaskResult,
  type TaskStats,
} from "../../src/protocol/thread-protocol.js";
import { createJobProcessor, type QueueJob } from "../../src/supervisor/job-processor.js";
import { JobsInFlight } from "../../src/supervisor/jobs-in-flight.js";
import { ThreadSlots } from "../../src/supervisor/thread-slots.js";
import { parseMetrics, select, single } from "../support/metrics-samples.js";
import { waitUntil } from "../support/waits.js";

const stats: TaskStats = emptyTaskStats(1);

/** What the stand-in database holds for the job's document: one that needs work, unless given. */
function pendingDocument(id: string, workspaceId: string): LoadedDocument {
  return {
    id,
    workspace_id: workspaceId,
    title: "report",
    file_name: "report.txt",
    mime_type: "text/plain",
    storage_key: "report.txt",
    status: "PENDING",
    processing_job_id: null,
    deleted: false,
  };
}

function setUp(
  answer: (task: DocumentTask) => Promise<TaskResult>,
  options: {
    attemptsMade?: number;
    /** The lookup's answer for the job's document (PENDING by default), or the error it throws. */
    lookup?: (id: string, workspaceId: string) => LoadedDocument | null;
    lookupFails?: Error;
    data?: Record<string, unknown>;
  } = {},
) {
  const releases: ReleaseRequest[] = [];
  const lookups: string[] = [];
  const store: DocumentStore = {
    schema: "ragworker",
    load: async (_db, id, workspaceId) => {
      lookups.push(id);
      if (options.lookupFails) throw options.lookupFails;
      return (options.lookup ?? pendingDocument)(id, workspaceId);
    },
    claim: async () => null,
    release: async (_db, release) => {
      releases.push(release);
      return true;
    },
    replaceChunks: async () => {
      throw new Error("not used");
    },
    findStoredEmbeddings: async () => new Map(),
    findCancelled: async () => new Set(),
    findStalePending: async () => [],
    findExpiredClaims: async () => [],
  };
  const metrics = new WorkerMetrics();
  const movedBack: number[] = [];
  const reported: Array<{ dependency: string; credentialsRejected: boolean }> = [];
  const job: QueueJob = {
    id: "job-1",
    data: options.data ?? { documentId: randomUUID(), workspaceId: randomUUID() },
    attemptsMade: options.attemptsMade ?? 0,
    opts: { attempts: 3 },
    moveToDelayed: async (timestamp: number) => {
      movedBack.push(timestamp);
    },
    updateProgress: async () => undefined,
  };
  const slots = new ThreadSlots(1);
  const process = createJobProcessor({
    pool: { run: answer },
    slots,
    db: { query: async <R extends object>() => ({ rows: [] as R[] }) },
    store,
    logger: createLogger("silent"),
    shutdown: { terminating: new AbortController().signal },
    inFlight: new JobsInFlight(createLogger("silent")),
    circuits: {
      reportDown: (dependency, failure) => {
        reported.push({ dependency, credentialsRejected: failure.credentialsRejected });
      },
    },
    dependencyHandBackDelayMs: 5_000,
    metrics,
    documentTimeoutMs: 60_000,
    documentTimeoutGraceMs: 1_000,
  });
  const counts = async () => {
    const samples = parseMetrics(await metrics.registry.metrics());
    return {
      pending: select(samples, "rag_worker_processed_total", { status: "PENDING" })[0]?.value ?? 0,
      failed: select(samples, "rag_worker_processed_total", { status: "FAILED" })[0]?.value ?? 0,
      bugs: single(samples, "rag_worker_unexpected_errors_total"),
      crashes: single(samples, "rag_worker_thread_crashes_total"),
    };
  };
  return { run: () => process(job, "token"), releases, movedBack, counts, reported, metrics, slots, lookups };
}

describe("job processor outcomes", { timeout: 10_000 }, () => {
  it("an unexpected error during the drain is retried as a failure and counted as a bug, not handed back", async () => {
    const { run, movedBack, counts } = setUp(
      async () => ({ kind: "unexpected-error", code: "UNEXPECTED_ERROR", message: "a parser bug", stats }),
      {},
    );
    await assert.rejects(run(), (error: Error) => {
      assert.ok(!(error instanceof DelayedError) && !(error instanceof UnrecoverableError));
      assert.equal(error.message, "UNEXPECTED_ERROR: a parser bug");
      return true;
    });
    assert.deepEqual(movedBack, [], "not moved back to the queue");
    assert.deepEqual(await counts(), { pending: 1, failed: 0, bugs: 1, crashes: 0 });
  });

  it("a prefetched job still waiting for a thread at the drain goes back at once, untouched", async () => {
    let finishRunning: (result: TaskResult) => void = () => undefined;
    let tasksRun = 0;
    const { run, movedBack, releases, counts, slots } = setUp(() => {
      tasksRun += 1;
      return new Promise<TaskResult>((resolve) => {
        finishRunning = resolve;
      });
    });
    const running = run();
    // Each job's document is looked up first: the second waits for the thread once both are in.
    await waitUntil("the first job on the thread", () => tasksRun === 1, { timeoutMs: 5_000, intervalMs: 1 });
    const prefetched = run();
    await waitUntil("the second job waiting for the thread", () => slots.waitingJobs === 1, {
      timeoutMs: 5_000,
      intervalMs: 1,
    });
    slots.close();
    await assert.rejects(prefetched, DelayedError);
    assert.equal(tasksRun, 1, "the prefetched job never reached the pool");
    assert.equal(movedBack.length, 1, "moved back to the queue");
    assert.deepEqual(releases, [], "its document was never claimed, so nothing is released");
    // The running job is not touched by the drain's start: it finishes as usual.
    finishRunning({ kind: "done", status: "READY", chunksCreated: 3, stats });
    assert.deepEqual(await running, { status: "READY", chunksCreated: 3 });
    assert.deepEqual(await counts(), { pending: 0, failed: 0, bugs: 0, crashes: 0 });
  });

  it("handed back: moved back to the queue (DelayedError), counted PENDING, no bug", async () => {
    const { run, movedBack, releases, counts } = setUp(async () => ({ kind: "handed-back", stats }), {});
    await assert.rejects(run(), DelayedError);
    assert.equal(movedBack.length, 1);
    assert.deepEqual(
      releases.map((release) => release.status),
      ["PENDING"],
    );
    assert.deepEqual(await counts(), { pending: 1, failed: 0, bugs: 0, crashes: 0 });
  });

  it("a dependency down, even on the last attempt: its circuit told, the job back in the queue a little later, no attempt spent", async () => {
    const { run, movedBack, releases, counts, reported, metrics } = setUp(
      async () => ({
        kind: "dependency-down",
        dependency: "storage",
        credentialsRejected: true,
        code: "STORAGE_UNAVAILABLE",
        message: "cannot read k: access denied",
        stats,
      }),
      { attemptsMade: 2 },
    );
    const before = Date.now();
    await assert.rejects(run(), DelayedError);
    assert.deepEqual(reported, [{ dependency: "storage", credentialsRejected: true }]);
    assert.equal(movedBack.length, 1);
    assert.ok((movedBack[0] ?? 0) >= before + 5_000, "handed back for DEPENDENCY_PROBE_MIN_MS");
    assert.deepEqual(
      releases.map((release) => [release.status, release.errorMessage]),
      [["PENDING", null]],
    );
    assert.deepEqual(await counts(), { pending: 1, failed: 0, bugs: 0, crashes: 0 });
    const samples = parseMetrics(await metrics.registry.metrics());
    assert.equal(single(samples, "rag_worker_handed_back_total", { reason: "storage" }), 1);
    assert.equal(single(samples, "rag_worker_handed_back_total", { reason: "drain" }), 0);
  });

  it("a permanent failure ends the job for good; a retryable one on its last attempt too", async () => {
    const permanent = setUp(
      async () => ({ kind: "failed-permanently", code: "CORRUPT_FILE", message: "bad", stats }),
      {},
    );
    await assert.rejects(permanent.run(), UnrecoverableError);
    assert.deepEqual(await permanent.counts(), { pending: 0, failed: 1, bugs: 0, crashes: 0 });

    const last = setUp(
      async () => ({ kind: "failed-retryable", code: "DATABASE_UNAVAILABLE", message: "down", stats }),
      { attemptsMade: 2 },
    );
    await assert.rejects(last.run(), /^Error: DATABASE_UNAVAILABLE: down$/);
    assert.deepEqual(await last.counts(), { pending: 0, failed: 1, bugs: 0, crashes: 0 });
  });

  it("a thread that dies is a typed crash: THREAD_CRASHED, retried, its claim released PENDING", async () => {
    const { run, releases, counts } = setUp(async () => {
      throw new Error("worker exited with code: 1");
    }, {});
    await assert.rejects(run(), /^Error: THREAD_CRASHED: worker exited with code: 1$/);
    assert.deepEqual(
      releases.map((release) => [release.status, release.errorMessage]),
      [["PENDING", "THREAD_CRASHED: worker exited with code: 1"]],
    );
    assert.deepEqual(await counts(), { pending: 1, failed: 0, bugs: 0, crashes: 1 });
  });

  it("a job whose document needs no work ends in the supervisor, never reaching a thread", async () => {
    const cases: Array<{
      status: string;
      lookup?: (id: string, workspaceId: string) => LoadedDocument | null;
      data?: Record<string, unknown>;
    }> = [
      { status: "READY", lookup: (id, ws) => ({ ...pendingDocument(id, ws), status: "READY" }) },
      { status: "MISSING", lookup: () => null },
      { status: "CANCELLED", lookup: (id, ws) => ({ ...pendingDocument(id, ws), deleted: true }) },
      { status: "INVALID", data: { documentId: "not-a-uuid", workspaceId: randomUUID() } },
    ];
    for (const { status, lookup, data } of cases) {
      let tasksRun = 0;
      const setup = setUp(
        async () => {
          tasksRun += 1;
          return { kind: "done", status: "READY", chunksCreated: 1, stats };
        },
        { ...(lookup ? { lookup } : {}), ...(data ? { data } : {}) },
      );
      assert.deepEqual(await setup.run(), { status, chunksCreated: 0 }, status);
      assert.equal(tasksRun, 0, `${status}: no thread ran the job`);
      const samples = parseMetrics(await setup.metrics.registry.metrics());
      assert.equal(select(samples, "rag_worker_processed_total", { status })[0]?.value, 1, status);
      assert.equal(setup.lookups.length, status === "INVALID" ? 0 : 1, `${status}: lookups`);
    }
  });

  it("the looked-up row goes with the task; a failed lookup leaves the lookup to the thread", async () => {
    const sent: DocumentTask[] = [];
    const answer = async (task: DocumentTask): Promise<TaskResult> => {
      sent.push(task);
      return { kind: "done", status: "READY", chunksCreated: 2, stats };
    };
    const found = setUp(answer);
    assert.deepEqual(await found.run(), { status: "READY", chunksCreated: 2 });
    assert.equal(sent[0]?.lookedUp?.status, "PENDING");
    assert.equal(sent[0]?.lookedUp?.id, sent[0]?.documentId);

    const failing = setUp(answer, { lookupFails: new Error("connection refused") });
    assert.deepEqual(await failing.run(), { status: "READY", chunksCreated: 2 });
    assert.equal(sent.length, 2);
    assert.equal(sent[1]?.lookedUp, undefined, "the thread looks the document up itself");
  });
});
