/**
 * What the supervisor hands the operator web view: each job in flight with its workspace, thread,
 * stage and times (JobsInFlight.views, fed by the threads' messages), and the reconciler's last
 * pass as the page shows it.
 */
import assert from "node:assert/strict";
import { describe, test } from "../support/bounded-test.js";
import { createLogger } from "../../src/logging/logger.js";
import { CancelFlag } from "../../src/protocol/thread-protocol.js";
import type { DocumentQueue } from "../../src/producer/enqueue-document.js";
import { adminSources } from "../../src/supervisor/admin-sources.js";
import { JobsInFlight, STARTING_STAGE } from "../../src/supervisor/jobs-in-flight.js";
import { FIRST_CURSORS } from "../../src/supervisor/reconcile-pass.js";
import type { Reconciler } from "../../src/supervisor/reconciler.js";

const DOCUMENT_ID = "0b5ad0c5-1f0e-4a7e-9a55-3c1c2c1e0d01";
const WORKSPACE_ID = "7f3c9a52-4a55-4c3e-8d2b-0f6c1b2a9e11";

const job = { updateProgress: () => Promise.resolve() };

describe("JobsInFlight.views", () => {
  test("a job starts without a thread or stage; the thread's messages fill them in", () => {
    const inFlight = new JobsInFlight(createLogger("silent"));
    const before = Date.now();
    inFlight.add("j1", job, { documentId: DOCUMENT_ID, workspaceId: WORKSPACE_ID }, CancelFlag.create());
    const [started] = inFlight.views();
    assert.ok(started);
    assert.deepEqual(
      { ...started, startedAt: 0, stageSince: 0 },
      {
        jobId: "j1",
        documentId: DOCUMENT_ID,
        workspaceId: WORKSPACE_ID,
        threadId: null,
        stage: STARTING_STAGE,
        current: null,
        total: null,
        startedAt: 0,
        stageSince: 0,
      },
    );
    assert.ok(started.startedAt >= before && started.startedAt <= Date.now());

    inFlight.started({ type: "task-started", jobId: "j1", threadId: 4 });
    inFlight.progress({
      type: "progress",
      jobId: "j1",
      progress: { stage: "embedding", current: 6, total: 30 },
    });
    const [embedding] = inFlight.views();
    assert.equal(embedding?.threadId, 4);
    assert.equal(embedding?.stage, "embedding");
    assert.equal(embedding?.current, 6);
    assert.equal(embedding?.total, 30);
    assert.ok((embedding?.stageSince ?? 0) >= started.startedAt);

    // Messages that crossed the job's end change nothing.
    inFlight.remove("j1");
    inFlight.started({ type: "task-started", jobId: "j1", threadId: 5 });
    assert.deepEqual(inFlight.views(), []);
  });

  test("job data without string ids shows as nulls, not as whatever was sent", () => {
    const inFlight = new JobsInFlight(createLogger("silent"));
    inFlight.add("j2", job, { documentId: 42, workspaceId: { nested: true } }, CancelFlag.create());
    const [view] = inFlight.views();
    assert.equal(view?.documentId, null);
    assert.equal(view?.workspaceId, null);
  });
});

describe("adminSources", () => {
  const parts = {
    queue: {} as DocumentQueue,
    pool: { threads: [{ threadId: 3 }, { threadId: 4 }] } as never,
    size: 2,
    inFlight: { views: () => [] },
    slots: () => ({ waitingJobs: 1 }),
  };

  test("threads: the pool's thread ids, its size and the jobs waiting for a thread", () => {
    const sources = adminSources({ ...parts, reconciler: () => null, reconcileIntervalMs: 60_000 });
    assert.deepEqual(sources.threads(), { threadIds: [3, 4], size: 2, running: [], waitingForThread: 1 });
  });

  test("the reconciler: off at interval 0, following before it leads, and its last pass summed up", () => {
    assert.equal(
      adminSources({ ...parts, reconciler: () => null, reconcileIntervalMs: 0 }).reconciler().state,
      "off",
    );
    const at = new Date("2026-12-05T12:00:00Z");
    const reconciler: Reconciler = {
      leading: true,
      lastPass: {
        at,
        result: {
          candidates: { pending_without_job: 3, processing_claim_expired: 1 },
          live: 1,
          taken: 0,
          enqueued: { pending_without_job: 2, processing_claim_expired: 1 },
          enqueueFailures: 0,
          next: FIRST_CURSORS,
        },
      },
      tick: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
    const following = adminSources({
      ...parts,
      reconciler: () => null,
      reconcileIntervalMs: 5_000,
    }).reconciler();
    assert.deepEqual(following, { state: "following", intervalMs: 5_000, lastPass: null });
    const leading = adminSources({
      ...parts,
      reconciler: () => reconciler,
      reconcileIntervalMs: 5_000,
    }).reconciler();
    assert.deepEqual(leading, {
      state: "leading",
      intervalMs: 5_000,
      lastPass: {
        at: at.getTime(),
        pendingWithoutJob: 3,
        processingClaimExpired: 1,
        withLiveJob: 1,
        takenByAnotherReplica: 0,
        enqueued: 3,
        enqueueFailures: 0,
      },
    });
  });
});
