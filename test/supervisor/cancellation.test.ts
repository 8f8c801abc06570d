/**
 * User cancellation and progress through a real worker process: an embedding stand-in answers
 * slowly, so a document is still embedding when the test cancels it the way rag-corp's API does
 * (PROCESSING → FAILED with its reason) or soft-deletes it. The thread stops at its next
 * checkpoint, writes nothing, leaves the row as the cancel set it; the job completes CANCELLED
 * without a retry. Meanwhile the job's progress reaches BullMQ and /metrics.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "bullmq";
import { after, before, describe, test } from "../support/bounded-test.js";
import { recordingServers, sendJson } from "../support/recording-server.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import { paragraph } from "../support/text.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { waitUntil } from "../support/waits.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const DIMENSION = 8;
/** Each embedding request of a document takes this long: a document of 50 chunks embeds for ~5 s. */
const EMBED_DELAY_MS = 200;
const CANCEL_CHECK_INTERVAL_MS = 200;
const CANCEL_REASON = "Processing cancelled manually (by user: 7d5c1a52-8a8e-4a3e-9d55-0c1f6f3b2d11)";

/** About 50 chunks of rag-corp's 900-character chunker: seconds of embedding at the stand-in's pace. */
function longText(tag: string): string {
  return Array.from({ length: 120 }, (_, i) => paragraph(`${tag}-${i}`)).join("\n\n");
}

describe("user cancellation and progress", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let port: number;
  const servers = recordingServers("an embedding stand-in");
  const progress = new Map<string, unknown[]>();

  before(async () => {
    env = await createTestEnvironment("cancel", { embeddingDim: DIMENSION });
    const service = await servers.start((request, _count, response) => {
      const body = JSON.parse(request.body) as { input: string[]; model: string };
      const data = body.input.map((text, index) => ({
        index,
        embedding: Array.from({ length: DIMENSION }, (_, i) => ((text.length * (i + 1)) % 97) / 97),
      }));
      // The start-up probe (one text) is answered at once; documents' batches slowly.
      const delay = body.input.length === 1 && body.input[0]?.startsWith("ragworker") ? 0 : EMBED_DELAY_MS;
      setTimeout(() => sendJson(response, 200, { object: "list", data, model: body.model }), delay);
    });
    env.queueEvents.on("progress", ({ jobId, data }) => {
      progress.set(jobId, [...(progress.get(jobId) ?? []), data]);
    });
    worker = startWorkerProcess(
      env.env({
        EMBEDDING_PROVIDER: "openai",
        EMBEDDING_URL: service.url,
        EMBEDDING_MODEL: "slow-embed",
        EMBEDDING_BATCH_SIZE: "2",
        CANCEL_CHECK_INTERVAL_MS: String(CANCEL_CHECK_INTERVAL_MS),
      }),
    );
    port = await waitUntilServing(worker, 2);
  });
  after(async () => {
    await worker?.stop();
    await servers.closeAll();
    await env?.close();
  });

  /** Enqueues a long document and waits until its thread reports it embedding. */
  const startEmbedding = async (tag: string) => {
    const document = await env.insertDocument({ bytes: longText(tag), fileName: `${tag}.txt` });
    const job: Job = await env.enqueue(document, 3);
    await waitUntil(`job ${job.id ?? "?"} to report the embedding stage`, () =>
      (progress.get(job.id ?? "") ?? []).some((data) => (data as { stage?: string }).stage === "embedding"),
    );
    return { ...document, job };
  };

  const chunkCount = async (documentId: string) =>
    (
      await env.db.query<{ n: number }>("SELECT count(*)::int AS n FROM chunks WHERE document_id = $1", [
        documentId,
      ])
    ).rows[0]?.n;

  test("rag-corp's cancel mid-embedding: stopped within the check interval and a batch, nothing written, the row as the cancel left it, no retry", async (t) => {
    const { documentId, job } = await startEmbedding("cancelled");
    assert.equal(await scrapeMetric(port, "rag_worker_documents_in_flight", { stage: "embedding" }), 1);

    const cancelledAt = performance.now();
    const cancel = await env.db.query(
      "UPDATE documents SET status = 'FAILED', error_message = $2 WHERE id = $1 AND status = 'PROCESSING'",
      [documentId, CANCEL_REASON],
    );
    assert.equal(cancel.rowCount, 1, "the document was PROCESSING when cancelled");
    const outcome = await env.finished(job);
    const latencyMs = Math.round(performance.now() - cancelledAt);
    t.diagnostic(
      `cancel latency: ${latencyMs} ms (check interval ${CANCEL_CHECK_INTERVAL_MS} ms, batch ${EMBED_DELAY_MS} ms)`,
    );

    assert.deepEqual(outcome, { state: "completed", value: { status: "CANCELLED", chunksCreated: 0 } });
    // A bound, not a speed target: without the watch the job would embed for seconds more, then write.
    assert.ok(latencyMs < 3_000, `stopped ${latencyMs} ms after the cancel`);
    assert.equal(await chunkCount(documentId), 0);
    assert.deepEqual(await env.documentRow(documentId), { status: "FAILED", error_message: CANCEL_REASON });
    const finished = await env.producer.queue.getJob(job.id ?? "");
    assert.equal(finished?.attemptsMade, 1, "one attempt: not retried");
    const cancelLine = worker.logs.find(
      (line) => line.message === "document cancelled by the API; stopping its job at the next checkpoint",
    );
    assert.equal(cancelLine?.["document_id"], documentId);

    const stages = (progress.get(job.id ?? "") ?? []) as Array<{
      stage: string;
      current?: number;
      total?: number;
    }>;
    const embedding = stages.filter((data) => data.stage === "embedding");
    assert.ok(embedding.length >= 1);
    const totals = new Set(embedding.map((data) => data.total));
    assert.equal(totals.size, 1, "embedding j of m, m being the document's chunks throughout");
    assert.ok((embedding[0]?.total ?? 0) >= 20, "m counts the long document's chunks");
    const currents = embedding.map((data) => data.current ?? -1);
    assert.deepEqual(
      currents,
      [...currents].sort((a, b) => a - b),
      "progress only goes forward",
    );
  });

  test("a soft delete mid-embedding stops the job the same way; the row keeps its delete", async () => {
    const { documentId, job } = await startEmbedding("deleted");
    await env.db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [documentId]);
    assert.deepEqual(await env.finished(job), {
      state: "completed",
      value: { status: "CANCELLED", chunksCreated: 0 },
    });
    assert.equal(await chunkCount(documentId), 0);
    const row = await env.db.query<{ deleted: boolean }>(
      "SELECT deleted_at IS NOT NULL AS deleted FROM documents WHERE id = $1",
      [documentId],
    );
    assert.deepEqual(row.rows, [{ deleted: true }]);
  });

  test("a document deleted while its job waited is skipped as CANCELLED; a finished job reads 0 in flight", async () => {
    const document = await env.insertDocument({ bytes: "short text", fileName: "gone.txt" });
    await env.db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [document.documentId]);
    assert.deepEqual(await env.finished(await env.enqueue(document, 3)), {
      state: "completed",
      value: { status: "CANCELLED", chunksCreated: 0 },
    });
    assert.equal((await env.documentRow(document.documentId))?.status, "PENDING", "the row is left alone");
    assert.equal(await scrapeMetric(port, "rag_worker_processed_total", { status: "CANCELLED" }), 3);
    assert.equal(await scrapeMetric(port, "rag_worker_documents_in_flight", { stage: "embedding" }), 0);
  });

  test("`ragworker ingest` shows the stage of each document in flight", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ragworker-ingest-stages-"));
    try {
      await writeFile(join(dir, "long.txt"), longText("ingested"));
      const ingest = startWorkerProcess(env.env(), [
        "ingest",
        join(dir, "long.txt"),
        "--workspace",
        "stages",
        "--timeout",
        "60",
      ]);
      assert.equal(await ingest.exited(90_000), 0, ingest.stderr());
      // Not a TTY here: the progress line is printed every 2 s, with the stage the job reported.
      assert.match(ingest.stderr(), /long\.txt embedding \d+\/\d+/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
