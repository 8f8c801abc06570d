/**
 * A parser that leaves promises rejected with nobody listening (pdf.js on a broken cross-reference
 * stream, found by `npm run fuzz`) must not kill its thread: the document fails for what it is,
 * a corrupt file, on its first attempt, and the same thread takes the next document.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const BROKEN_PDF = new URL("../fixtures/hostile/broken-xref-stream.pdf", import.meta.url);

describe("unhandled rejections inside a thread", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let pdf: Uint8Array;

  before(async () => {
    pdf = new Uint8Array(await readFile(BROKEN_PDF));
    env = await createTestEnvironment("thread-rejection", { embeddingDim: 64 });
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "1" }));
    await waitUntilServing(worker, 1);
  });
  after(async () => {
    await worker.stop();
    await env.close();
  });

  test("the document fails CORRUPT_FILE on its first attempt; the thread lives and serves the next", async () => {
    const broken = await env.insertDocument({ bytes: pdf, fileName: "broken.pdf" });
    const job = await env.enqueue(broken, 3);
    const outcome = await env.finished(job);
    assert.equal(outcome.state, "failed");
    assert.match(outcome.state === "failed" ? outcome.reason : "", /^CORRUPT_FILE: corrupt pdf/);
    assert.equal((await env.producer.queue.getJob(job.id ?? ""))?.attemptsMade, 1, "not retried");
    // The fixture still reaches the path: pdf.js did leave rejections unhandled in the thread.
    assert.ok(
      worker.logs.some((line) => line.message === "unhandled promise rejection in the thread (ignored)"),
    );

    const next = await env.insertDocument({ bytes: "The next document.", fileName: "next.txt" });
    assert.equal((await env.finished(await env.enqueue(next))).state, "completed");
    const threads = new Set(
      worker.logs.filter((line) => line.message === "thread ready").map((line) => line["thread"]),
    );
    assert.equal(threads.size, 1, "no thread was replaced");
  });
});
