/**
 * The whole path with real parts: a job in Redis, the real worker process with two threads,
 * real PostgreSQL, real files in a storage directory. The smoke test: one document per format,
 * and each thread on its own connection. What the pipeline decides for a document (MISSING,
 * INVALID, a corrupt file, database faults, reuse of stored embeddings, metadata) is tested
 * in-process: test/threads/process-document.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { paragraph } from "../support/text.js";
import { makeDocx, makePdf } from "../support/document-fixtures.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { readyLinesFor, startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

const DIM = 64;

interface ChunkRow {
  chunk_index: number;
  content: string;
  dims: number;
  metadata: { format?: string; page?: number; headingPath?: string[]; embedding_model?: string };
}

describe("a document from the queue to chunks in PostgreSQL", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;

  const chunksOf = async (documentId: string) =>
    (
      await env.db.query<ChunkRow>(
        `SELECT chunk_index, content, array_length(embedding::real[], 1) AS dims, metadata
           FROM chunks WHERE document_id = $1 ORDER BY chunk_index`,
        [documentId],
      )
    ).rows;
  before(async () => {
    env = await createTestEnvironment("e2e", { embeddingDim: DIM });
    // A paragraph is about 80 estimated tokens: one per chunk, two never fit.
    worker = startWorkerProcess(
      env.env({ CHUNK_TOKENS: "100", CHUNK_OVERLAP_TOKENS: "10", WORKER_THREADS: "2" }),
    );
    await worker.waitForLog((line) => line.message === "Worker arrancando");
  });

  after(async () => {
    await worker.stop();
    await env.close();
  });

  const formats: Array<{
    name: string;
    fileName: string;
    bytes: () => Promise<Uint8Array | string>;
    chunks: number;
  }> = [
    {
      name: "plain text",
      fileName: "notes.txt",
      bytes: async () => ["a", "b", "c", "d"].map(paragraph).join("\n\n"),
      chunks: 4,
    },
    {
      name: "Markdown",
      fileName: "guide.md",
      bytes: async () =>
        `# Guide\n\n${paragraph("a")}\n\n## Setup\n\n${paragraph("b")}\n\n## Usage\n\n${paragraph("c")}\n`,
      chunks: 3,
    },
    {
      name: "PDF",
      fileName: "report.pdf",
      bytes: () => makePdf([paragraph("a"), paragraph("b")]),
      chunks: 2,
    },
    {
      name: "DOCX",
      fileName: "design.docx",
      bytes: () =>
        makeDocx([
          { heading: "Overview", level: 1, paragraphs: [paragraph("a")] },
          { heading: "Details", level: 2, paragraphs: [paragraph("b")] },
        ]),
      chunks: 2,
    },
  ];

  for (const format of formats) {
    test(`${format.name} reaches READY with its chunks and ${DIM}-dimensional embeddings`, async () => {
      const { documentId, workspaceId } = await env.insertDocument({
        bytes: await format.bytes(),
        fileName: format.fileName,
      });
      const outcome = await env.finished(await env.enqueue({ documentId, workspaceId }));
      assert.deepEqual(outcome, {
        state: "completed",
        value: { status: "READY", chunksCreated: format.chunks },
      });
      assert.equal((await env.documentRow(documentId))?.status, "READY");
      const chunks = await chunksOf(documentId);
      assert.equal(chunks.length, format.chunks);
      assert.deepEqual(
        chunks.map((chunk) => chunk.chunk_index),
        chunks.map((_, index) => index),
      );
      for (const chunk of chunks) {
        assert.equal(chunk.dims, DIM);
        assert.equal(chunk.metadata.embedding_model, "hash-v1");
        assert.match(chunk.content, /Paragraph \w sentence/);
      }
    });
  }

  test("each thread uses its own database connection", async () => {
    const documents = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        env.insertDocument({ bytes: paragraph(`c${i}`), fileName: `c${i}.txt` }),
      ),
    );
    await Promise.all(documents.map(async (doc) => env.finished(await env.enqueue(doc))));
    const sessions = await env.db.query<{ application_name: string; connections: string }>(
      `SELECT application_name, count(*) AS connections FROM pg_stat_activity
        WHERE datname = $1 AND application_name LIKE 'ragworker-thread-%' GROUP BY application_name`,
      [env.database.name],
    );
    assert.equal(sessions.rows.length, 2, JSON.stringify(sessions.rows));
    // Only this test's documents count: what tests before it left in the log does not.
    const threadsThatWorked = new Set(
      (
        await readyLinesFor(
          [worker],
          documents.map((doc) => doc.documentId),
        )
      ).map((line) => line["thread"]),
    );
    assert.equal(threadsThatWorked.size, 2, "both threads processed documents");
    for (const thread of threadsThatWorked) {
      assert.ok(sessions.rows.some((row) => row.application_name === `ragworker-thread-${String(thread)}`));
    }
  });
});
