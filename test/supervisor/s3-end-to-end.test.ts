/**
 * The real worker process reading documents from an S3-compatible server (s3rver on loopback):
 * documents reach READY, a missing object fails at once, a stopped server is retried until it is
 * back, and `ragworker ingest` uploads to the same bucket.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "../support/bounded-test.js";
import { paragraph } from "../support/text.js";
import type { S3Storage } from "../../src/storage/s3-storage.js";
import { makePdf } from "../support/document-fixtures.js";
import { startLocalS3, type LocalS3 } from "../support/local-s3.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const DIM = 32;
const PREFIX = "uploads";

describe("a worker whose STORAGE_URL is s3://", () => {
  let env: TestEnvironment;
  let s3: LocalS3;
  let storage: S3Storage;
  let worker: WorkerProcess;

  before(async () => {
    env = await createTestEnvironment("s3-e2e", { embeddingDim: DIM });
    s3 = await startLocalS3();
    storage = s3.storage(PREFIX);
    worker = startWorkerProcess(
      env.env({ ...s3.env(PREFIX), CHUNK_TOKENS: "100", CHUNK_OVERLAP_TOKENS: "10", WORKER_THREADS: "2" }),
    );
    await waitUntilServing(worker, 2);
  });

  after(async () => {
    await worker?.stop();
    storage?.close();
    await s3?.close();
    await env?.close();
  });

  test("documents stored in the bucket reach READY with their chunks", async () => {
    const documents = [
      await env.insertDocument({
        storage,
        fileName: "notes.txt",
        bytes: ["a", "b", "c"].map(paragraph).join("\n\n"),
      }),
      await env.insertDocument({
        storage,
        fileName: "report.pdf",
        bytes: await makePdf([paragraph("p1"), paragraph("p2")]),
      }),
    ];
    const outcomes = await Promise.all(
      documents.map(async ({ documentId, workspaceId }) =>
        env.finished(await env.enqueue({ documentId, workspaceId })),
      ),
    );
    assert.deepEqual(outcomes, [
      { state: "completed", value: { status: "READY", chunksCreated: 3 } },
      { state: "completed", value: { status: "READY", chunksCreated: 2 } },
    ]);
    for (const { documentId } of documents) {
      assert.equal((await env.documentRow(documentId))?.status, "READY");
      const chunks = await env.db.query<{ content: string }>(
        "SELECT content FROM chunks WHERE document_id = $1",
        [documentId],
      );
      assert.ok(chunks.rows.every((row) => /Paragraph \w+ sentence/.test(row.content)));
    }
  });

  test("a missing object ends FAILED after one attempt, with the key in the reason", async () => {
    const { documentId, workspaceId, storageKey } = await env.insertDocument({
      storage,
      fileName: "gone.txt",
      bytes: paragraph("gone"),
    });
    // The row points at a key the bucket does not hold.
    await env.db.query("UPDATE documents SET storage_key = $2 WHERE id = $1", [
      documentId,
      `${storageKey}.missing`,
    ]);
    const job = await env.enqueue({ documentId, workspaceId }, 5);
    const outcome = await env.finished(job);
    assert.equal(outcome.state, "failed");
    assert.match(outcome.state === "failed" ? outcome.reason : "", /^STORAGE_NOT_FOUND: object not found: /);
    assert.equal(
      (await env.producer.queue.getJob(job.id ?? ""))?.attemptsMade,
      1,
      "retried a missing object",
    );
    const row = await env.documentRow(documentId);
    assert.equal(row?.status, "FAILED");
    assert.equal(row?.error_message, `object not found: ${storageKey}.missing`);
  });

  test("a stopped S3 server makes the job retry, and it succeeds once the server is back", async () => {
    const { documentId, workspaceId } = await env.insertDocument({
      storage,
      fileName: "patient.txt",
      bytes: paragraph("patient"),
    });
    await s3.stop();
    const storageRetries = () =>
      worker.logs.filter(
        (entry) =>
          entry.message === "document failed" &&
          entry["will_retry"] === true &&
          (entry["exception"] as { code?: string } | undefined)?.code === "STORAGE_UNAVAILABLE",
      ).length;
    const retriesBefore = storageRetries();
    let job;
    try {
      job = await env.producer.queue.add(
        "process-document",
        { documentId, workspaceId },
        { attempts: 50, backoff: { type: "fixed", delay: 300 } },
      );
      // Two failed attempts, each a retryable storage error: the job is being retried.
      await worker.waitForLog(() => storageRetries() >= retriesBefore + 2, 30_000);
      // Between attempts the document waits as PENDING (or is claimed again by the next attempt).
      assert.ok(["PENDING", "PROCESSING"].includes((await env.documentRow(documentId))?.status ?? ""));
    } finally {
      await s3.start();
    }
    const outcome = await env.finished(job);
    assert.deepEqual(outcome, { state: "completed", value: { status: "READY", chunksCreated: 1 } });
    assert.ok(((await env.producer.queue.getJob(job.id ?? ""))?.attemptsMade ?? 0) >= 3);
    assert.equal((await env.documentRow(documentId))?.status, "READY");
  });

  test("ragworker ingest uploads to the same bucket and the worker makes the files READY", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ragworker-s3-ingest-"));
    try {
      await writeFile(
        join(dir, "guide.md"),
        `# Guide\n\n${paragraph("g1")}\n\n## Setup\n\n${paragraph("g2")}\n`,
      );
      const ingest = startWorkerProcess(env.env(s3.env(PREFIX)), [
        "ingest",
        join(dir, "guide.md"),
        "--workspace",
        "s3-ingest",
        "--timeout",
        "60",
      ]);
      const code = await ingest.exited(90_000);
      const output = ingest.stdout() + ingest.stderr();
      assert.equal(code, 0, output);
      assert.match(output, /1 documents, 1 READY, 0 not READY/);
      const rows = await env.db.query<{ storage_key: string; status: string }>(
        `SELECT d.storage_key, d.status FROM documents d JOIN workspaces w ON w.id = d.workspace_id
          WHERE w.name = 's3-ingest'`,
      );
      assert.equal(rows.rows.length, 1);
      const [row] = rows.rows;
      assert.equal(row?.status, "READY");
      // The object is in the bucket under the prefix, byte for byte what was ingested.
      const stored = await storage.read(row?.storage_key ?? "", 1024 * 1024);
      assert.match(new TextDecoder().decode(stored), /^# Guide/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
