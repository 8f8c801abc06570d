/**
 * Redis Sentinel (issue 15, item 4): a worker whose REDIS_URL names a Sentinel set of Debian's
 * redis-server and redis-sentinel (a primary, a replica, three sentinels) processes documents;
 * the primary is SIGKILLed mid-load; the sentinels promote the replica; the worker follows it by
 * itself and every document ends READY exactly once.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { assertDocumentRowsReadyExactly } from "../support/document-assertions.js";
import {
  enqueueReplicated,
  failoverOutcome,
  FAILOVER_WORKER_ENV,
  killPrimaryMidLoad,
  waitUntilSettled,
} from "../support/sentinel-failover.js";
import { startSentinelSet, type SentinelSet } from "../support/sentinel-set.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

describe("Redis Sentinel failover", () => {
  let set: SentinelSet | undefined;
  let env: TestEnvironment | undefined;
  let worker: WorkerProcess | undefined;

  before(async () => {
    set = await startSentinelSet();
    env = await createTestEnvironment("sentinel", { embeddingDim: 16, redisUrl: set.url });
  });
  after(async () => {
    if (worker?.child.exitCode === null) await worker.stop("SIGKILL");
    await env?.close();
    await set?.stop();
  });

  test("the primary SIGKILLed mid-load: the worker follows the promoted replica; every document READY once", async (t) => {
    assert.ok(set && env);
    worker = startWorkerProcess(env.env(FAILOVER_WORKER_ENV));
    const port = await waitUntilServing(worker, 2);
    const documents = await enqueueReplicated(env, set, { count: 120, bytes: 30_000, seed: 15_000 });

    const figures = await killPrimaryMidLoad(env, set, documents);
    await waitUntilSettled(env, documents, 120_000);
    await assertDocumentRowsReadyExactly(
      env,
      documents.map((document) => document.documentId),
    );
    const outcome = await failoverOutcome(env, documents, [worker]);
    assert.deepEqual(outcome.processedTwice, [], "documents the pipeline finished more than once");

    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(readyz.status, 200, "/readyz after the failover");
    assert.equal(await worker.stop(), 0);
    t.diagnostic(
      `primary :${figures.oldPrimaryPort} killed with ${figures.readyAtKill}/${documents.length} READY; ` +
        `sentinels promoted :${figures.newPrimaryPort} after ${(figures.failoverMs / 1000).toFixed(1)} s; ` +
        `worker processing again ${(figures.resumeMs / 1000).toFixed(1)} s after the kill; ` +
        `${outcome.lostJobs} jobs lost in the failover, ${outcome.reconciled} reconciler lines; ` +
        `${documents.length} READY, 0 processed twice`,
    );
  });
});
