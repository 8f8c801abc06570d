/**
 * OCR through the real worker process (two pool threads, PostgreSQL, a storage directory): a scan
 * becomes READY with its chunks marked, hostile images and PDFs each end FAILED naming the limit
 * they broke, and the worker goes on serving the documents queued behind them.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { makePdf } from "../support/document-fixtures.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { paragraph } from "../support/text.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";
import { PAGE_TEXTS, manyPageTiff, pngDeclaring, textPagePng, wordRecall } from "../support/ocr-fixtures.js";

describe("OCR through the worker", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let port: number;

  const ingest = async (bytes: Uint8Array | string, fileName: string) => {
    const { documentId, workspaceId } = await env.insertDocument({ bytes, fileName });
    const job = await env.enqueue({ documentId, workspaceId }, 3);
    return { documentId, job };
  };

  before(async () => {
    env = await createTestEnvironment("ocr");
    worker = startWorkerProcess(
      env.env({ WORKER_THREADS: "2", CHUNK_TOKENS: "200", OCR_MAX_PAGES: "50", OCR_DPI: "150" }),
    );
    port = await waitUntilServing(worker, 2);
  });

  after(async () => {
    await worker?.stop();
    await env?.close();
  });

  test("hostile files end FAILED naming their limit while a scan and a text file behind them are READY", async () => {
    const scan = await textPagePng(PAGE_TEXTS[0] ?? "", 150);
    const hostile = [
      {
        ...(await ingest(pngDeclaring(50_000, 50_000), "huge.png")),
        reason: /^image too large: 50000 × 50000 = 2500000000 pixels > OCR_MAX_IMAGE_PIXELS=100000000$/,
      },
      {
        ...(await ingest(manyPageTiff(10_000), "fax.tif")),
        reason: /^too many pages to OCR: 10000 > OCR_MAX_PAGES=50$/,
      },
      {
        ...(await ingest(await makePdf(Array.from({ length: 2_000 }, () => "")), "scans.pdf")),
        reason: /^pdf has 2000 pages without text, more than OCR_MAX_PAGES=50$/,
      },
      {
        ...(await ingest(scan.subarray(0, Math.floor(scan.length / 2)), "cut.png")),
        reason: /^corrupt image: /,
      },
    ];
    const good = await ingest(scan, "scan.png");
    const text = await ingest(paragraph("z"), "notes.txt");

    for (const { documentId, job, reason } of hostile) {
      await env.finished(job);
      const row = await env.documentRow(documentId);
      assert.equal(row?.status, "FAILED", `${documentId}: ${row?.error_message ?? ""}`);
      assert.match(row?.error_message ?? "", reason);
    }
    for (const { job } of [good, text]) await env.finished(job);
    assert.equal((await env.documentRow(text.documentId))?.status, "READY");
    assert.equal((await env.documentRow(good.documentId))?.status, "READY");
    const chunks = await env.db.query<{ content: string; metadata: Record<string, unknown> }>(
      "SELECT content, metadata FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
      [good.documentId],
    );
    assert.equal(chunks.rows.length, 1);
    const [chunk] = chunks.rows;
    assert.ok(wordRecall(PAGE_TEXTS[0] ?? "", chunk?.content ?? "") >= 0.9, chunk?.content);
    assert.equal(chunk?.metadata["format"], "image");
    assert.equal(chunk?.metadata["page"], 1);
    assert.equal(chunk?.metadata["ocr"], true);
    assert.ok(Number(chunk?.metadata["ocrConfidence"]) > 0.5);

    // The truncated PNG failed in decoding, before tesseract: the scan is the one page OCR read.
    assert.equal(await scrapeMetric(port, "rag_worker_ocr_pages_total"), 1);
    assert.ok((await scrapeMetric(port, "rag_worker_ocr_seconds_total")) > 0);
    assert.equal(await scrapeMetric(port, "rag_worker_thread_crashes_total"), 0);
  });
});
