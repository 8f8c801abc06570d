/**
 * The real worker process reading documents from an S3-compatible server (s3rver on loopback):
 * documents reach READY, a missing object fails at once, a stopped server opens the storage circuit
 * (jobs handed back, no attempt spent) until it is back, refused credentials (403) open it saying
 * so, and `ragworker ingest` uploads to the same bucket. Fault rows 13 and 16, short versions.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "bullmq";
import { after, before, describe, test } from "../support/bounded-test.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import {
  assertRecovered,
  circuitLines,
  circuitView,
  FAST_PROBES,
  isOpen,
} from "../support/dependency-outage.js";
import { paragraph } from "../support/text.js";
import type { S3Storage } from "../../src/storage/s3-storage.js";
import { makePdf } from "../support/document-fixtures.js";
import { startLocalS3, type LocalS3 } from "../support/local-s3.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { sleep } from "../support/waits.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const DIM = 32;
const PREFIX = "uploads";

describe("a worker whose STORAGE_URL is s3://", () => {
  let env: TestEnvironment;
  let s3: LocalS3;
  let storage: S3Storage;
  let worker: WorkerProcess;
  let port: number;

  before(async () => {
    env = await createTestEnvironment("s3-e2e", { embeddingDim: DIM });
    s3 = await startLocalS3();
    storage = s3.storage(PREFIX);
    worker = startWorkerProcess(
      env.env({
        ...s3.env(PREFIX),
        CHUNK_TOKENS: "100",
        CHUNK_OVERLAP_TOKENS: "10",
        WORKER_THREADS: "2",
        ...FAST_PROBES,
      }),
    );
    port = await waitUntilServing(worker, 2);
  });

  after(async () => {
    await worker?.stop();
    storage?.close();
    await s3?.close();
    await env?.close();
  });

  /** No document failed: each is back in its state before the claim. */
  const assertPending = async (documents: ReadonlyArray<{ documentId: string }>) => {
    for (const document of documents) {
      assert.equal((await env.documentRow(document.documentId))?.status, "PENDING");
    }
  };

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

  test("S3 stopped: one circuit opens, jobs are handed back without spending attempts, all READY once it is back", async () => {
    const documents = await Promise.all(
      ["p1", "p2", "p3", "p4", "p5"].map((tag) =>
        env.insertDocument({ storage, fileName: `${tag}.txt`, bytes: paragraph(tag) }),
      ),
    );
    const DOWN =
      "dependency storage is down; no new jobs until a probe succeeds (jobs are handed back without spending attempts)";
    const probes = () => worker.logs.filter((line) => line.message === "dependency probe failed").length;
    const before = circuitLines(worker, "storage");
    await s3.stop();
    let jobs: Job[] = [];
    try {
      // As rag-corp's API enqueues: three attempts. An outage longer than three retries must not spend them.
      jobs = await Promise.all(documents.map((document) => env.enqueue(document, 3)));
      await worker.waitForLog((line) => line.message === DOWN, 30_000);
      const probesBefore = probes();
      await worker.waitForLog(() => probes() >= probesBefore + 4, 30_000);
      const view = await circuitView(port, "storage");
      assert.ok(isOpen(view), JSON.stringify(view));
      assert.equal(view.circuit?.credentials_rejected, false);
      assert.match(view.reason, /storage down since \d{4}-/);
      assert.ok((await scrapeMetric(port, "rag_worker_handed_back_total", { reason: "storage" })) >= 1);
      await assertPending(documents);
    } finally {
      await s3.start();
    }
    await assertRecovered(env, worker, port, jobs, "storage", before);
  });

  test("S3 refusing the credentials (403 AccessDenied): the circuit opens saying so, no attempt spent, all READY once fixed", async () => {
    const documents = await Promise.all(
      ["d1", "d2", "d3"].map((tag) =>
        env.insertDocument({ storage, fileName: `${tag}.txt`, bytes: paragraph(tag) }),
      ),
    );
    const before = circuitLines(worker, "storage");
    const deniedAt = performance.now();
    s3.deny(true);
    let jobs: Job[] = [];
    try {
      jobs = await Promise.all(documents.map((document) => env.enqueue(document, 3)));
      const line = await worker.waitForLog(
        () => circuitLines(worker, "storage").opens > before.opens,
        30_000,
      );
      assert.match(String(line.message), /^dependency storage refuses the worker's credentials: fix them/);
      // The keys stay refused for about 3 s in all.
      await sleep(Math.max(0, 3_000 - (performance.now() - deniedAt)));
      const view = await circuitView(port, "storage");
      assert.ok(isOpen(view), JSON.stringify(view));
      assert.equal(view.circuit?.credentials_rejected, true);
      assert.match(view.reason, /storage refuses the credentials since \d{4}-/);
      await assertPending(documents);
    } finally {
      s3.deny(false);
    }
    await assertRecovered(env, worker, port, jobs, "storage", before);
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
