/**
 * DOCUMENT_TIMEOUT_MS: a document that is still being parsed at its time limit fails for good with
 * a reason naming the limit, without spending its other attempts. Its thread is asked to stop at
 * the next checkpoint; one still inside a parser call after the grace is terminated and replaced,
 * the supervisor lives on and the next document is READY.
 *
 * The slow input is a real one: a 1000-page PDF, whose text extraction takes far longer than the
 * limits set here. It has a checkpoint before every page, so a thread given any grace stops there
 * in time; the termination is tested with no grace at all (the thread is still inside a page, or
 * still recording its failure, when the grace of 0 ms ends).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { makePdf } from "../support/document-fixtures.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const PAGES = 1000;
// The other limits are lifted so that only time can stop this document (MAX_PAGES is the page
// limit's variable; an unknown variable is ignored).
const LIFTED_LIMITS = { MAX_CHUNKS: "1000000", MAX_PAGES: "100000", MAX_EXTRACTED_CHARS: "100000000" };

async function slowPdf(): Promise<Uint8Array> {
  const page = (index: number) => `Page ${index} of a long report. `.repeat(25);
  return makePdf(Array.from({ length: PAGES }, (_, index) => page(index)));
}

function threadIds(worker: WorkerProcess): Set<unknown> {
  return new Set(worker.logs.filter((line) => line.message === "thread ready").map((line) => line["thread"]));
}

describe("the document time limit", () => {
  let env: TestEnvironment;
  let pdf: Uint8Array;

  before(async () => {
    env = await createTestEnvironment("document-timeout", { embeddingDim: 64 });
    pdf = await slowPdf();
  });
  after(async () => {
    await env.close();
  });

  test("a document still parsing after the grace: FAILED naming the limit, thread replaced, next READY", async () => {
    const worker = startWorkerProcess(
      env.env({
        WORKER_THREADS: "1",
        DOCUMENT_TIMEOUT_MS: "400",
        DOCUMENT_TIMEOUT_GRACE_MS: "0",
        ...LIFTED_LIMITS,
      }),
    );
    try {
      const port = await waitUntilServing(worker, 1);
      const pid = worker.child.pid;
      const [firstThread] = threadIds(worker);
      assert.equal(await scrapeMetric(port, "rag_worker_pool_threads"), 1);

      const slow = await env.insertDocument({ bytes: pdf, fileName: "report.pdf" });
      const slowJob = await env.enqueue(slow, 3);
      const outcome = await env.finished(slowJob);
      assert.equal(outcome.state, "failed");
      assert.match(
        outcome.state === "failed" ? outcome.reason : "",
        /^DOCUMENT_TIMEOUT: time limit exceeded: .*DOCUMENT_TIMEOUT_MS=400$/,
      );
      // Failed for good on its first attempt: the other two were not spent on it.
      assert.equal((await env.producer.queue.getJob(slowJob.id ?? ""))?.attemptsMade, 1);
      const row = await env.documentRow(slow.documentId);
      assert.equal(row?.status, "FAILED");
      assert.match(row?.error_message ?? "", /DOCUMENT_TIMEOUT_MS=400/);
      // The thread did not return in time: it was terminated (not stopped at a checkpoint). The
      // supervisor's line may reach stdout after BullMQ's event reached the test: waited for.
      await worker.waitForLog(
        (line) =>
          line.message === "Worker job falló con excepción" &&
          String(line["error"]).startsWith("DOCUMENT_TIMEOUT:"),
        5_000,
      );

      // Piscina starts a replacement thread, which loads its pools again and says so.
      await worker.waitForLog(() => threadIds(worker).size === 2);
      assert.ok(![...threadIds(worker)].slice(1).includes(firstThread), "a new thread, not the old one");

      const small = await env.insertDocument({
        bytes: "A small document afterwards.",
        fileName: "small.txt",
      });
      assert.deepEqual(await env.finished(await env.enqueue(small)), {
        state: "completed",
        value: { status: "READY", chunksCreated: 1 },
      });
      // One live thread again (no leak, no loss), and the same supervisor process all along.
      assert.equal(await scrapeMetric(port, "rag_worker_pool_threads"), 1);
      assert.equal(worker.child.exitCode, null, "the supervisor is still running");
      assert.equal(worker.child.pid, pid);
      assert.equal(
        worker.logs.filter((line) => line.message === "Worker arrancando").length,
        1,
        "no restart",
      );
    } finally {
      await worker.stop();
    }
  });

  test("a thread that reaches a checkpoint within the grace stops there; no thread is replaced", async () => {
    const worker = startWorkerProcess(
      env.env({
        WORKER_THREADS: "1",
        DOCUMENT_TIMEOUT_MS: "400",
        // Long enough for the extraction to end and the next checkpoint to see the raised flag.
        DOCUMENT_TIMEOUT_GRACE_MS: "60000",
        ...LIFTED_LIMITS,
      }),
    );
    try {
      await waitUntilServing(worker, 1);
      const slow = await env.insertDocument({ bytes: pdf, fileName: "report.pdf" });
      const outcome = await env.finished(await env.enqueue(slow, 3));
      assert.equal(outcome.state, "failed");
      assert.match(
        outcome.state === "failed" ? outcome.reason : "",
        /^DOCUMENT_TIMEOUT: .*DOCUMENT_TIMEOUT_MS=400$/,
      );
      assert.ok(
        !worker.logs.some(
          (line) =>
            line.message === "Worker job falló con excepción" &&
            String(line["error"]).startsWith("DOCUMENT_TIMEOUT:"),
        ),
      );

      const small = await env.insertDocument({ bytes: "Next document, same thread.", fileName: "next.txt" });
      assert.equal((await env.finished(await env.enqueue(small))).state, "completed");
      assert.equal(threadIds(worker).size, 1, "the thread that stopped at its checkpoint is still serving");
    } finally {
      await worker.stop();
    }
  });
});
