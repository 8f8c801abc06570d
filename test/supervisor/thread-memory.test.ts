/**
 * A file that exhausts a thread's heap kills that thread only: the job fails with a readable
 * reason, Piscina replaces the thread, the next document succeeds and the supervisor lives on.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

function hugeText(bytes: number): string {
  const paragraphs: string[] = [];
  for (let size = 0, p = 0; size < bytes; p += 1) {
    const paragraph = `${Array.from({ length: 60 }, (_, w) => `w${((p * 7919 + w) % 5000).toString(36)}`).join(" ")}.`;
    paragraphs.push(paragraph);
    size += paragraph.length + 2;
  }
  return paragraphs.join("\n\n");
}

describe("a thread's heap limit", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let port: number;

  before(async () => {
    env = await createTestEnvironment("thread-memory", { embeddingDim: 64 });
    worker = startWorkerProcess(
      env.env({
        WORKER_THREADS: "1",
        THREAD_MAX_HEAP_MB: "64",
        MAX_CHUNKS: "1000000",
        MAX_EXTRACTED_CHARS: "100000000",
        MAX_FILE_BYTES: "200000000",
      }),
    );
    port = await waitUntilServing(worker, 1);
  });
  after(async () => {
    await worker.stop();
    await env.close();
  });

  test("a heap blow-up fails its document, not the process; the next document is READY", async () => {
    const pid = worker.child.pid;
    const threadIds = () =>
      new Set(worker.logs.filter((line) => line.message === "thread ready").map((line) => line["thread"]));
    const huge = await env.insertDocument({ bytes: hugeText(30_000_000), fileName: "huge.txt" });
    const outcome = await env.finished(await env.enqueue(huge, 2));
    assert.equal(outcome.state, "failed");
    const row = await env.documentRow(huge.documentId);
    assert.equal(row?.status, "FAILED");
    assert.match(row?.error_message ?? "", /THREAD_CRASHED: .*memory limit/);
    assert.equal(worker.child.exitCode, null, "the supervisor is still running");

    const small = await env.insertDocument({
      bytes: "A small document after the crash.",
      fileName: "small.txt",
    });
    assert.deepEqual(await env.finished(await env.enqueue(small)), {
      state: "completed",
      value: { status: "READY", chunksCreated: 1 },
    });
    assert.equal(worker.logs.filter((line) => line.message === "Worker arrancando").length, 1, "no restart");
    assert.equal(worker.child.pid, pid, "the same supervisor process all along");
    // Each of the two attempts killed its thread and got a replacement; one thread is live.
    assert.equal(threadIds().size, 3, "a replacement thread started after each attempt");
    assert.equal(await scrapeMetric(port, "rag_worker_pool_threads"), 1);
  });
});
