/**
 * Fault scenario 10, short version: the API cancels documents mid-load, some running (rag-corp's
 * cancel), some waiting (a soft delete), on a real worker process.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { cancelMidLoad } from "../../faults/scenarios/cancel-mid-load.js";
import { startWorker, type RunningWorker } from "../../faults/scenarios/worker-under-test.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";

describe("fault 10 (short): cancel documents mid-load", () => {
  let env: TestEnvironment;
  let worker: RunningWorker | undefined;

  before(async () => {
    env = await createTestEnvironment("cancel-mid-load", { embeddingDim: 32 });
  });
  after(async () => {
    await worker?.process.stop();
    await env?.close();
  });

  test("cancelled jobs end CANCELLED with no chunks and rows as the cancel left them; the rest READY once", async (t) => {
    worker = await startWorker(env, { CANCEL_CHECK_INTERVAL_MS: "200" });
    const result = await cancelMidLoad(env, worker.port, {
      count: 40,
      cancels: 10,
      bytes: 100_000,
      seed: 1010,
    });
    for (const note of result.notes) t.diagnostic(note);
    for (const check of result.checks) assert.ok(check.ok, check.what);
    assert.deepEqual(
      {
        lost: result.tally.lost,
        stuck: result.tally.stuckProcessing,
        duplicated: result.tally.duplicatedChunks,
      },
      { lost: 0, stuck: 0, duplicated: 0 },
    );
    assert.equal(result.tally.ready + result.tally.failed, result.tally.documents);
  });
});
