/**
 * The whole path with real parts: a job in Redis, the real worker process with two threads,
 * real PostgreSQL, real files in a storage directory.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { paragraph } from "../support/text.js";
import { corruptPdf, makeDocx, makePdf } from "../support/document-fixtures.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

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

  test("PDF chunks carry their page numbers, Markdown and DOCX chunks their heading path", async () => {
    const pdf = await env.insertDocument({
      bytes: await makePdf([paragraph("x"), paragraph("y")]),
      fileName: "p.pdf",
    });
    await env.finished(await env.enqueue({ documentId: pdf.documentId, workspaceId: pdf.workspaceId }));
    assert.deepEqual(
      (await chunksOf(pdf.documentId)).map((chunk) => chunk.metadata.page),
      [1, 2],
    );
    const md = await env.insertDocument({
      bytes: `# Guide\n\n${paragraph("a")}\n\n## Setup\n\n${paragraph("b")}\n`,
      fileName: "g.md",
    });
    await env.finished(await env.enqueue({ documentId: md.documentId, workspaceId: md.workspaceId }));
    assert.deepEqual(
      (await chunksOf(md.documentId)).map((chunk) => chunk.metadata.headingPath),
      [["Guide"], ["Guide", "Setup"]],
    );
  });

  test("re-running a READY document creates nothing and keeps its chunks", async () => {
    const { documentId, workspaceId } = await env.insertDocument({
      bytes: paragraph("r"),
      fileName: "r.txt",
    });
    await env.finished(await env.enqueue({ documentId, workspaceId }));
    const before = await env.db.query<{ id: string }>(
      "SELECT id FROM chunks WHERE document_id = $1 ORDER BY id",
      [documentId],
    );
    const again = await env.finished(await env.enqueue({ documentId, workspaceId }));
    assert.deepEqual(again, { state: "completed", value: { status: "READY", chunksCreated: 0 } });
    const afterRun = await env.db.query<{ id: string }>(
      "SELECT id FROM chunks WHERE document_id = $1 ORDER BY id",
      [documentId],
    );
    assert.deepEqual(afterRun.rows, before.rows);
  });

  test("a job whose workspace does not own the document changes nothing (MISSING)", async () => {
    const { documentId } = await env.insertDocument({ bytes: paragraph("m"), fileName: "m.txt" });
    const otherWorkspace = await env.createWorkspace("other");
    const outcome = await env.finished(await env.enqueue({ documentId, workspaceId: otherWorkspace }));
    assert.deepEqual(outcome, { state: "completed", value: { status: "MISSING", chunksCreated: 0 } });
    assert.deepEqual(await env.documentRow(documentId), { status: "PENDING", error_message: null });
    assert.equal((await chunksOf(documentId)).length, 0);
  });

  test("invalid UUIDs end INVALID after one attempt", async () => {
    const job = await env.enqueue({ documentId: "not-a-uuid", workspaceId: "1234" }, 3);
    const outcome = await env.finished(job);
    assert.deepEqual(outcome, { state: "completed", value: { status: "INVALID", chunksCreated: 0 } });
    const reloaded = await env.producer.queue.getJob(job.id ?? "");
    assert.equal(reloaded?.attemptsMade, 1);
  });

  test("a corrupt PDF ends FAILED with a readable reason and is not retried", async () => {
    const { documentId, workspaceId } = await env.insertDocument({
      bytes: corruptPdf(),
      fileName: "broken.pdf",
    });
    const job = await env.enqueue({ documentId, workspaceId }, 3);
    const outcome = await env.finished(job);
    assert.equal(outcome.state, "failed");
    const row = await env.documentRow(documentId);
    assert.equal(row?.status, "FAILED");
    assert.match(row?.error_message ?? "", /corrupt pdf/i);
    const reloaded = await env.producer.queue.getJob(job.id ?? "");
    assert.equal(reloaded?.attemptsMade, 1);
  });

  test("a storage key outside the storage directory is refused for good", async () => {
    const { documentId, workspaceId } = await env.insertDocument({ bytes: "x", fileName: "x.txt" });
    await env.db.query("UPDATE documents SET storage_key = '../../etc/passwd' WHERE id = $1", [documentId]);
    const job = await env.enqueue({ documentId, workspaceId }, 3);
    assert.equal((await env.finished(job)).state, "failed");
    const row = await env.documentRow(documentId);
    assert.equal(row?.status, "FAILED");
    assert.match(row?.error_message ?? "", /outside the storage root/);
    assert.equal((await env.producer.queue.getJob(job.id ?? ""))?.attemptsMade, 1);
  });

  test("a database error during persistence is retried, then the document is READY", async () => {
    // A real failure inside the persistence transaction: the first chunk insert raises a
    // serialization failure (SQLSTATE 40001) once, as a conflicting transaction would.
    // The counter is a sequence because nextval() survives the rollback the error causes.
    await env.db.query(`
      CREATE SEQUENCE chunk_insert_calls;
      CREATE OR REPLACE FUNCTION fail_chunk_insert_once() RETURNS trigger AS $$
      BEGIN
        IF nextval('chunk_insert_calls') = 1 THEN
          RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER fail_chunk_insert_once BEFORE INSERT ON chunks
        FOR EACH STATEMENT EXECUTE FUNCTION fail_chunk_insert_once();
    `);
    try {
      const { documentId, workspaceId } = await env.insertDocument({
        bytes: paragraph("t"),
        fileName: "t.txt",
      });
      const job = await env.enqueue({ documentId, workspaceId }, 3);
      const outcome = await env.finished(job);
      assert.deepEqual(outcome, { state: "completed", value: { status: "READY", chunksCreated: 1 } });
      assert.equal(
        (await env.producer.queue.getJob(job.id ?? ""))?.attemptsMade,
        2,
        "the first attempt failed, the second succeeded",
      );
      const calls = await env.db.query<{ last_value: string }>("SELECT last_value FROM chunk_insert_calls");
      assert.equal(Number(calls.rows[0]?.last_value), 2, "the fault fired once, then the insert ran again");
      assert.equal((await chunksOf(documentId)).length, 1);
    } finally {
      await env.db.query("DROP TRIGGER fail_chunk_insert_once ON chunks");
    }
  });

  test("a document interrupted mid-persistence keeps its old chunks, never a mix", async () => {
    const { documentId, workspaceId, storageKey } = await env.insertDocument({
      bytes: ["o1", "o2", "o3"].map(paragraph).join("\n\n"),
      fileName: "mix.txt",
    });
    await env.finished(await env.enqueue({ documentId, workspaceId }));
    const old = (await chunksOf(documentId)).map((chunk) => chunk.content);
    assert.equal(old.length, 3);

    // New content, re-requested; the insert dies after some rows are already written.
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${env.storageDir}/${storageKey}`, ["n1", "n2", "n3", "n4"].map(paragraph).join("\n\n"));
    await env.db.query("UPDATE documents SET status = 'PENDING' WHERE id = $1", [documentId]);
    await env.db.query(`
      CREATE OR REPLACE FUNCTION die_on_third_chunk() RETURNS trigger AS $$
      BEGIN
        IF NEW.chunk_index = 2 THEN RAISE EXCEPTION 'injected crash mid-insert' USING ERRCODE = '57P01'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER die_on_third_chunk BEFORE INSERT ON chunks FOR EACH ROW EXECUTE FUNCTION die_on_third_chunk();
    `);
    try {
      const outcome = await env.finished(await env.enqueue({ documentId, workspaceId }, 1));
      assert.equal(outcome.state, "failed");
      assert.deepEqual(
        (await chunksOf(documentId)).map((chunk) => chunk.content),
        old,
      );
      assert.equal((await env.documentRow(documentId))?.status, "FAILED");
    } finally {
      await env.db.query("DROP TRIGGER die_on_third_chunk ON chunks");
    }

    // Without the fault the new content replaces the old as a whole.
    const retried = await env.finished(await env.enqueue({ documentId, workspaceId }));
    assert.deepEqual(retried, { state: "completed", value: { status: "READY", chunksCreated: 4 } });
    const contents = (await chunksOf(documentId)).map((chunk) => chunk.content);
    assert.ok(contents.every((content) => /Paragraph n\d/.test(content) && !/Paragraph o\d/.test(content)));
  });

  test("an unchanged document processed again reuses its stored embeddings: no embedding work", async () => {
    const port = Number((await worker.waitForLog((line) => line.message === "ops server listening"))["port"]);
    const embeddings = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const read = (source: string) =>
        Number(
          new RegExp(`^rag_worker_embeddings_total\\{source="${source}"\\} (\\S+)$`, "m").exec(text)?.[1],
        );
      return { computed: read("computed"), reused: read("reused") };
    };
    const { documentId, workspaceId } = await env.insertDocument({
      bytes: ["u1", "u2", "u3"].map(paragraph).join("\n\n"),
      fileName: "unchanged.txt",
    });
    await env.finished(await env.enqueue({ documentId, workspaceId }));
    const first = await chunksOf(documentId);
    const before = await embeddings();
    assert.ok(before.computed >= 3, JSON.stringify(before));

    await env.db.query("UPDATE documents SET status = 'PENDING' WHERE id = $1", [documentId]);
    const again = await env.finished(await env.enqueue({ documentId, workspaceId }));
    assert.deepEqual(again, { state: "completed", value: { status: "READY", chunksCreated: 3 } });
    const afterRun = await embeddings();
    assert.equal(afterRun.computed, before.computed, "no text was embedded again");
    assert.equal(afterRun.reused - before.reused, 3);
    const second = await env.db.query<{ embedding: string }>(
      "SELECT embedding::text AS embedding FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
      [documentId],
    );
    assert.equal(second.rows.length, first.length);
  });

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
    const ours = new Set(documents.map((doc) => doc.documentId));
    const threadsThatWorked = new Set(
      worker.logs
        .filter((line) => line.message === "document READY" && ours.has(String(line["document_id"])))
        .map((line) => line["thread"]),
    );
    assert.equal(threadsThatWorked.size, 2, "both threads processed documents");
    for (const thread of threadsThatWorked) {
      assert.ok(sessions.rows.some((row) => row.application_name === `ragworker-thread-${String(thread)}`));
    }
  });
});
