/**
 * `processDocument` in-process, with real dependencies and no worker process: a migrated
 * PostgreSQL database, files in a storage directory, the hash embedder (rag-corp's fake one on
 * rag-corp's schema). What a document ends as, what its row says and which chunks it has.
 * Each test makes its own documents, so each passes alone and in any order.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { after, before, describe, it } from "../support/bounded-test.js";
import { chunkCharacters } from "../../src/chunk/character-chunker.js";
import { normalizeRagCorpText } from "../../src/chunk/rag-corp-text.js";
import { migrate } from "../../src/db/migrate.js";
import { parseEmbeddingText } from "../../src/db/stored-embeddings.js";
import { createFakeEmbedder } from "../../src/embed/fake-embedder.js";
import type { TaskResult } from "../../src/protocol/thread-protocol.js";
import { FileStorage } from "../../src/storage/file-storage.js";
import { processDocument } from "../../src/threads/process-document.js";
import {
  corruptPdf,
  makeDocx,
  makeEncryptedOfficeFile,
  makePdf,
  makeZip,
  makeZipBomb,
  tinyPng,
} from "../support/document-fixtures.js";
import {
  chunkRows,
  createPipelineWorld,
  documentTask,
  type PipelineWorld,
} from "../support/pipeline-deps.js";
import { createRagCorpDatabase, type RagCorpDatabase } from "../support/rag-corp-database.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { INJECTION_REPORT, paragraph } from "../support/text.js";
import { PAGE_TEXTS, mixedPdf, textPagePng, wordRecall } from "../support/ocr-fixtures.js";

const DIM = 64;
const fidelityFixture = (name: string): Promise<Buffer> =>
  readFile(new URL(`../fixtures/fidelity/${name}`, import.meta.url));

/** The pool with its `query` calls counted: the round trips a job costs. */
function countingQueries(pool: pg.Pool): { pool: pg.Pool; queries: () => number } {
  let queries = 0;
  const counted = new Proxy(pool, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === "query") {
        return (...args: Parameters<pg.Pool["query"]>) => {
          queries += 1;
          return target.query(...args);
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { pool: counted, queries: () => queries };
}

/** The outcome without its stats (timings differ run to run). */
function outcome(result: TaskResult): Record<string, unknown> {
  const { stats: _stats, ...rest } = result;
  return rest;
}

describe("processDocument against a real database", () => {
  let env: TestEnvironment;
  let world: PipelineWorld;

  before(async () => {
    env = await createTestEnvironment("process-document", { embeddingDim: DIM });
    // A paragraph is about 80 estimated tokens: one per chunk, two never fit.
    world = await createPipelineWorld({
      databaseUrl: env.database.url,
      storageDir: env.storageDir,
      env: { EMBEDDING_DIM: String(DIM), CHUNK_TOKENS: "100", CHUNK_OVERLAP_TOKENS: "10" },
    });
  });
  after(async () => {
    await world?.close();
    await env?.close();
  });

  const chunksOf = (documentId: string) => chunkRows(env.db, documentId);

  it("a text document becomes READY with its chunks, embedded by the configured model", async () => {
    const doc = await env.insertDocument({
      bytes: ["a", "b", "c", "d"].map(paragraph).join("\n\n"),
      fileName: "notes.txt",
    });
    const result = await processDocument(documentTask(doc), world.deps);
    assert.deepEqual(outcome(result), { kind: "done", status: "READY", chunksCreated: 4 });
    assert.deepEqual(await env.documentRow(doc.documentId), { status: "READY", error_message: null });
    const chunks = await chunksOf(doc.documentId);
    assert.deepEqual(
      chunks.map((chunk) => chunk.chunk_index),
      [0, 1, 2, 3],
    );
    for (const chunk of chunks) {
      assert.equal(chunk.dims, DIM);
      assert.equal(chunk.metadata.embedding_model, "hash-v1");
      assert.match(chunk.content, /Paragraph \w sentence/);
    }
    assert.equal(result.stats.format, "text");
    assert.equal(result.stats.embeddingsComputed, 4);
  });

  it("PDF chunks carry their page numbers, Markdown and DOCX chunks their heading path", async () => {
    const pdf = await env.insertDocument({
      bytes: await makePdf([paragraph("x"), paragraph("y")]),
      fileName: "p.pdf",
    });
    assert.equal((await processDocument(documentTask(pdf), world.deps)).kind, "done");
    assert.deepEqual(
      (await chunksOf(pdf.documentId)).map((chunk) => chunk.metadata.page),
      [1, 2],
    );
    const md = await env.insertDocument({
      bytes: `# Guide\n\n${paragraph("a")}\n\n## Setup\n\n${paragraph("b")}\n`,
      fileName: "g.md",
    });
    assert.equal((await processDocument(documentTask(md), world.deps)).kind, "done");
    assert.deepEqual(
      (await chunksOf(md.documentId)).map((chunk) => chunk.metadata.headingPath),
      [["Guide"], ["Guide", "Setup"]],
    );
    const docx = await env.insertDocument({
      bytes: await makeDocx([
        { heading: "Overview", level: 1, paragraphs: [paragraph("a")] },
        { heading: "Details", level: 2, paragraphs: [paragraph("b")] },
      ]),
      fileName: "design.docx",
    });
    assert.equal((await processDocument(documentTask(docx), world.deps)).kind, "done");
    assert.deepEqual(
      (await chunksOf(docx.documentId)).map((chunk) => chunk.metadata.headingPath),
      [["Overview"], ["Overview", "Details"]],
    );
  });

  it("a READY document run again creates nothing and keeps its chunks", async () => {
    const doc = await env.insertDocument({ bytes: paragraph("r"), fileName: "r.txt" });
    await processDocument(documentTask(doc), world.deps);
    const before = await env.db.query("SELECT id FROM chunks WHERE document_id = $1 ORDER BY id", [
      doc.documentId,
    ]);
    const again = await processDocument(documentTask(doc), world.deps);
    assert.deepEqual(outcome(again), { kind: "done", status: "READY", chunksCreated: 0 });
    const afterRun = await env.db.query("SELECT id FROM chunks WHERE document_id = $1 ORDER BY id", [
      doc.documentId,
    ]);
    assert.deepEqual(afterRun.rows, before.rows);
  });

  it("an unchanged document processed again reuses its stored embeddings: nothing embedded", async () => {
    const doc = await env.insertDocument({
      bytes: ["u1", "u2", "u3"].map(paragraph).join("\n\n"),
      fileName: "unchanged.txt",
    });
    const first = await processDocument(documentTask(doc), world.deps);
    assert.deepEqual([first.stats.embeddingsComputed, first.stats.embeddingsReused], [3, 0]);
    const embeddings = async () =>
      (
        await env.db.query<{ embedding: string }>(
          "SELECT embedding::text AS embedding FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
          [doc.documentId],
        )
      ).rows.map((row) => row.embedding);
    const stored = await embeddings();

    await env.db.query("UPDATE documents SET status = 'PENDING' WHERE id = $1", [doc.documentId]);
    const second = await processDocument(documentTask(doc), world.deps);
    assert.deepEqual(outcome(second), { kind: "done", status: "READY", chunksCreated: 3 });
    assert.deepEqual(
      [second.stats.embeddingsComputed, second.stats.embeddingsReused],
      [0, 3],
      "no text was embedded again",
    );
    assert.deepEqual(await embeddings(), stored);
  });

  it("a workspace that does not own the document changes nothing (MISSING)", async () => {
    const doc = await env.insertDocument({ bytes: paragraph("m"), fileName: "m.txt" });
    const otherWorkspace = await env.createWorkspace("other");
    const result = await processDocument(
      documentTask({ documentId: doc.documentId, workspaceId: otherWorkspace }),
      world.deps,
    );
    assert.deepEqual(outcome(result), { kind: "done", status: "MISSING", chunksCreated: 0 });
    assert.deepEqual(await env.documentRow(doc.documentId), { status: "PENDING", error_message: null });
    assert.equal((await chunksOf(doc.documentId)).length, 0);
  });

  it("a job that needs no work costs one lookup: MISSING, or CANCELLED for a soft-deleted document", async () => {
    const deleted = await env.insertDocument({ bytes: paragraph("d"), fileName: "d.txt" });
    await env.db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [deleted.documentId]);
    const missing = { documentId: crypto.randomUUID(), workspaceId: deleted.workspaceId };
    for (const [ids, status] of [
      [deleted, "CANCELLED"],
      [missing, "MISSING"],
    ] as const) {
      const counted = countingQueries(world.deps.pool);
      const result = await processDocument(documentTask(ids), { ...world.deps, pool: counted.pool });
      assert.deepEqual(outcome(result), { kind: "done", status, chunksCreated: 0 });
      assert.equal(counted.queries(), 1, `${status}: one round trip to the database`);
    }
    assert.deepEqual(await env.documentRow(deleted.documentId), { status: "PENDING", error_message: null });
  });

  it("ids that are not UUIDs are INVALID, whatever the attempts left", async () => {
    for (const ids of [
      { documentId: "not-a-uuid", workspaceId: "1234" },
      { documentId: 42, workspaceId: undefined },
    ]) {
      const result = await processDocument(documentTask(ids, { attempt: 1, maxAttempts: 3 }), world.deps);
      assert.deepEqual(outcome(result), { kind: "done", status: "INVALID", chunksCreated: 0 });
    }
  });

  it("a corrupt PDF fails for good: the row FAILED with a readable reason", async () => {
    const doc = await env.insertDocument({ bytes: corruptPdf(), fileName: "broken.pdf" });
    const result = await processDocument(documentTask(doc, { attempt: 1, maxAttempts: 3 }), world.deps);
    assert.equal(result.kind, "failed-permanently");
    const row = await env.documentRow(doc.documentId);
    assert.equal(row?.status, "FAILED");
    assert.match(row?.error_message ?? "", /corrupt pdf/i);
  });

  it("a storage key outside the storage directory is refused for good", async () => {
    const doc = await env.insertDocument({ bytes: "x", fileName: "x.txt" });
    await env.db.query("UPDATE documents SET storage_key = '../../etc/passwd' WHERE id = $1", [
      doc.documentId,
    ]);
    const result = await processDocument(documentTask(doc), world.deps);
    assert.equal(result.kind, "failed-permanently");
    const row = await env.documentRow(doc.documentId);
    assert.equal(row?.status, "FAILED");
    assert.match(row?.error_message ?? "", /outside the storage root/);
  });

  it("a database that cannot be reached is a dependency down, not the document's failure; the row is untouched (PENDING)", async () => {
    const doc = await env.insertDocument({ bytes: paragraph("d"), fileName: "d.txt" });
    // Port 1 on the loopback: nothing listens, so every connection is refused at once.
    const unreachable = new pg.Pool({
      connectionString: "postgres://ragworker@127.0.0.1:1/none",
      connectionTimeoutMillis: 2_000,
    });
    unreachable.on("error", () => undefined);
    try {
      const result = await processDocument(documentTask(doc), world.with({ pool: unreachable }));
      assert.equal(result.kind, "dependency-down");
      assert.deepEqual(
        result.kind === "dependency-down"
          ? [result.dependency, result.code, result.credentialsRejected]
          : null,
        ["database", "DATABASE_UNAVAILABLE", false],
      );
      assert.deepEqual(await env.documentRow(doc.documentId), { status: "PENDING", error_message: null });
    } finally {
      await unreachable.end();
    }
  });

  it("a statement failing during persistence is retryable: the row PENDING, then READY on the retry", async () => {
    // A real failure inside the persistence transaction: the first chunk insert raises a
    // serialization failure (SQLSTATE 40001) once, as a conflicting transaction would. The
    // counter is a sequence because nextval() survives the rollback the error causes.
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
      const doc = await env.insertDocument({ bytes: paragraph("t"), fileName: "t.txt" });
      const first = await processDocument(documentTask(doc, { attempt: 1, maxAttempts: 3 }), world.deps);
      assert.equal(first.kind, "failed-retryable");
      assert.equal((await env.documentRow(doc.documentId))?.status, "PENDING");
      assert.equal((await chunksOf(doc.documentId)).length, 0);

      const retried = await processDocument(documentTask(doc, { attempt: 2, maxAttempts: 3 }), world.deps);
      assert.deepEqual(outcome(retried), { kind: "done", status: "READY", chunksCreated: 1 });
      const calls = await env.db.query<{ last_value: string }>("SELECT last_value FROM chunk_insert_calls");
      assert.equal(Number(calls.rows[0]?.last_value), 2, "the fault fired once, then the insert ran again");
    } finally {
      await env.db.query(
        "DROP TRIGGER fail_chunk_insert_once ON chunks; DROP FUNCTION fail_chunk_insert_once; DROP SEQUENCE chunk_insert_calls",
      );
    }
  });

  it("a document interrupted mid-persistence keeps its old chunks, never a mix", async () => {
    const doc = await env.insertDocument({
      bytes: ["o1", "o2", "o3"].map(paragraph).join("\n\n"),
      fileName: "mix.txt",
    });
    await processDocument(documentTask(doc), world.deps);
    const old = (await chunksOf(doc.documentId)).map((chunk) => chunk.content);
    assert.equal(old.length, 3);

    // New content, re-requested; the insert dies after some rows are already written.
    await writeFile(
      join(env.storageDir, doc.storageKey),
      ["n1", "n2", "n3", "n4"].map(paragraph).join("\n\n"),
    );
    await env.db.query("UPDATE documents SET status = 'PENDING' WHERE id = $1", [doc.documentId]);
    await env.db.query(`
      CREATE OR REPLACE FUNCTION die_on_third_chunk() RETURNS trigger AS $$
      BEGIN
        IF NEW.chunk_index = 2 THEN RAISE EXCEPTION 'injected deadlock mid-insert' USING ERRCODE = '40P01'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE TRIGGER die_on_third_chunk BEFORE INSERT ON chunks FOR EACH ROW EXECUTE FUNCTION die_on_third_chunk();
    `);
    try {
      const failed = await processDocument(documentTask(doc, { attempt: 1, maxAttempts: 1 }), world.deps);
      assert.equal(failed.kind, "failed-retryable", "retryable, but this was the last attempt");
      assert.deepEqual(
        (await chunksOf(doc.documentId)).map((chunk) => chunk.content),
        old,
      );
      assert.equal((await env.documentRow(doc.documentId))?.status, "FAILED");
    } finally {
      await env.db.query("DROP TRIGGER die_on_third_chunk ON chunks; DROP FUNCTION die_on_third_chunk");
    }

    // Without the fault the new content replaces the old as a whole.
    await env.db.query("UPDATE documents SET status = 'PENDING' WHERE id = $1", [doc.documentId]);
    const retried = await processDocument(documentTask(doc), world.deps);
    assert.deepEqual(outcome(retried), { kind: "done", status: "READY", chunksCreated: 4 });
    const contents = (await chunksOf(doc.documentId)).map((chunk) => chunk.content);
    assert.ok(contents.every((content) => /Paragraph n\d/.test(content) && !/Paragraph o\d/.test(content)));
  });

  it("a mixed PDF's scanned page is OCR'd: its chunks say ocr with the page's confidence, the stats count it", async () => {
    const scan = await textPagePng(PAGE_TEXTS[0] ?? "", 150);
    const doc = await env.insertDocument({
      bytes: await mixedPdf([paragraph("t"), scan]),
      fileName: "mixed.pdf",
    });
    const result = await processDocument(documentTask(doc), world.deps);
    assert.deepEqual(outcome(result), { kind: "done", status: "READY", chunksCreated: 2 });
    const [text, scanned] = await chunksOf(doc.documentId);
    assert.equal(text?.metadata.page, 1);
    assert.equal(text?.metadata.ocr, undefined);
    assert.equal(scanned?.metadata.page, 2);
    assert.equal(scanned?.metadata.ocr, true);
    const confidence = Number(scanned?.metadata.ocrConfidence);
    assert.ok(confidence > 0.5 && confidence <= 1, `confidence ${confidence}`);
    assert.ok(wordRecall(PAGE_TEXTS[0] ?? "", scanned?.content ?? "") >= 0.9, scanned?.content);
    assert.equal(result.stats.ocrPages, 1);
    assert.ok(result.stats.ocrSeconds > 0);
  });

  // Extraction's refusals: each fails the document for good with its reason (MAX_PAGES=4 here).
  const refusals: Array<{
    label: string;
    bytes: () => Promise<Uint8Array>;
    fileName: string;
    reason: RegExp;
  }> = [
    {
      label: "a PDF over MAX_PAGES",
      bytes: () => makePdf(["1", "2", "3", "4", "5"]),
      fileName: "long.pdf",
      reason: /^too many pages: 5 > MAX_PAGES=4$/,
    },
    {
      label: "a DOCX zip bomb",
      bytes: async () => makeZipBomb(16 * 1024 * 1024),
      fileName: "bomb.docx",
      reason: /^decompression bomb refused \(docx\): .*MAX_ARCHIVE_COMPRESSION_RATIO=200$/,
    },
    {
      label: "a password-protected PDF (LibreOffice)",
      bytes: () => fidelityFixture("protected-libreoffice.pdf"),
      fileName: "protected.pdf",
      reason: /encrypted/,
    },
    {
      label: "a password-protected ODT (LibreOffice)",
      bytes: () => fidelityFixture("protected-libreoffice.odt"),
      fileName: "protected.odt",
      reason: /^encrypted odt/,
    },
    {
      label: "a password-sealed office file",
      bytes: async () => makeEncryptedOfficeFile(),
      fileName: "sealed.xlsx",
      reason: /encrypted/,
    },
    {
      label: "a blank image (OCR reads no word)",
      bytes: async () => tinyPng(),
      fileName: "photo.png",
      reason: /^document has no extractable text/,
    },
    {
      label: "a plain zip",
      bytes: async () => makeZip({ "a.txt": "hello" }),
      fileName: "a.zip",
      reason: /^unsupported type: application\/zip$/,
    },
  ];
  for (const refusal of refusals) {
    it(`${refusal.label} fails for good: the row FAILED with its reason`, async () => {
      const doc = await env.insertDocument({ bytes: await refusal.bytes(), fileName: refusal.fileName });
      const limited = world.with({ config: { ...world.deps.config, maxPages: 4 } });
      const result = await processDocument(documentTask(doc, { attempt: 1, maxAttempts: 3 }), limited);
      assert.equal(result.kind, "failed-permanently");
      const row = await env.documentRow(doc.documentId);
      assert.equal(row?.status, "FAILED");
      assert.match(row?.error_message ?? "", refusal.reason);
    });
  }

  it("the cancel flag raised (drain deadline): handed back, the row PENDING even on the last attempt", async () => {
    const doc = await env.insertDocument({ bytes: paragraph("h"), fileName: "h.txt" });
    const result = await processDocument(
      documentTask(doc, { attempt: 3, maxAttempts: 3 }),
      world.with({ cancelled: () => true }),
    );
    assert.equal(result.kind, "handed-back");
    assert.equal((await env.documentRow(doc.documentId))?.status, "PENDING");
    assert.equal((await chunksOf(doc.documentId)).length, 0);
  });

  it("the time-limit flag raised: failed for good (DOCUMENT_TIMEOUT), the row FAILED naming the limit", async () => {
    const doc = await env.insertDocument({ bytes: paragraph("l"), fileName: "l.txt" });
    const result = await processDocument(
      documentTask(doc, { attempt: 1, maxAttempts: 3 }),
      world.with({ timedOut: () => true }),
    );
    assert.equal(result.kind, "failed-permanently");
    assert.equal(result.kind === "failed-permanently" ? result.code : null, "DOCUMENT_TIMEOUT");
    const row = await env.documentRow(doc.documentId);
    assert.equal(row?.status, "FAILED");
    assert.match(row?.error_message ?? "", /DOCUMENT_TIMEOUT_MS=/);
  });
});

describe("processDocument on rag-corp's schema", () => {
  let ragCorp: RagCorpDatabase;
  let storageDir: string;
  let world: PipelineWorld;

  before(async () => {
    ragCorp = await createRagCorpDatabase("process-document-rc");
    const client = await ragCorp.db.connect();
    try {
      await migrate(client, { embeddingDim: 768 });
    } finally {
      client.release();
    }
    storageDir = await mkdtemp(join(tmpdir(), "ragworker-process-document-rc-"));
    // rag-corp's own settings: its fake embeddings, 900/120 characters, 2-tier nodes of two chunks.
    world = await createPipelineWorld({
      databaseUrl: ragCorp.database.url,
      storageDir,
      env: {
        FAKE_EMBEDDINGS: "true",
        CHUNK_SIZE: "900",
        CHUNK_OVERLAP: "120",
        ENABLE_2TIER_RETRIEVAL: "true",
        NODE_GROUP_SIZE: "2",
      },
    });
  });
  after(async () => {
    await world?.close();
    await ragCorp?.close();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  /** rag-corp's upload of the injection report as a text file, in a new workspace. */
  const uploadReport = async (workspaceName: string, fileName: string) => {
    const workspaceId = await ragCorp.createWorkspace({ name: workspaceName, ftsLanguage: "english" });
    const { documentId } = await ragCorp.uploadDocument({
      workspaceId,
      fileName,
      bytes: INJECTION_REPORT,
      mimeType: "text/plain",
      storage: new FileStorage(storageDir),
    });
    return { documentId, workspaceId };
  };

  it("a soft-deleted upload is CANCELLED after one lookup, its row left alone", async () => {
    const { documentId, workspaceId } = await uploadReport("deleted", "gone.txt");
    await ragCorp.db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [documentId]);
    const counted = countingQueries(world.deps.pool);
    const result = await processDocument(documentTask({ documentId, workspaceId }), {
      ...world.deps,
      pool: counted.pool,
    });
    assert.deepEqual(outcome(result), { kind: "done", status: "CANCELLED", chunksCreated: 0 });
    assert.equal(counted.queries(), 1);
    const row = await ragCorp.db.query<{ status: string }>("SELECT status FROM documents WHERE id = $1", [
      documentId,
    ]);
    assert.deepEqual(row.rows, [{ status: "PENDING" }]);
  });

  it("an uploaded document becomes READY with rag-corp's chunk and node rows", async () => {
    const { documentId, workspaceId } = await uploadReport("finance", "q3-report.txt");
    const expected = chunkCharacters(normalizeRagCorpText(INJECTION_REPORT), {
      size: 900,
      overlap: 120,
      maxChunks: 2000,
    });
    assert.ok(expected.length >= 3, `the report makes ${expected.length} chunks`);

    const result = await processDocument(documentTask({ documentId, workspaceId }), world.deps);
    assert.deepEqual(outcome(result), { kind: "done", status: "READY", chunksCreated: expected.length });
    const row = await ragCorp.db.query<{ status: string; error_message: string | null }>(
      "SELECT status, error_message FROM documents WHERE id = $1",
      [documentId],
    );
    assert.deepEqual(row.rows[0], { status: "READY", error_message: null });

    const chunks = await ragCorp.db.query<{
      chunk_index: number;
      content: string;
      embedding: string;
      metadata: Record<string, unknown>;
      tsv_matches: boolean;
    }>(
      `SELECT c.chunk_index, c.content, c.embedding::text AS embedding, c.metadata,
              c.tsv = to_tsvector('english', c.content) AS tsv_matches
         FROM chunks c WHERE c.document_id = $1 ORDER BY c.chunk_index`,
      [documentId],
    );
    assert.deepEqual(
      chunks.rows.map((chunk) => [chunk.chunk_index, chunk.content]),
      expected.map((content, index) => [index, content]),
    );
    const fake = createFakeEmbedder();
    for (const chunk of chunks.rows) {
      assert.ok(chunk.tsv_matches, `chunk ${chunk.chunk_index}: tsv in the workspace's language`);
      assert.deepEqual(
        Array.from(parseEmbeddingText(chunk.embedding)),
        Array.from(fake.embedBatchFloat64([chunk.content])[0] ?? [], (value) => Math.fround(value)),
        `chunk ${chunk.chunk_index}: the vector rag-corp's fake embedder gives`,
      );
    }
    // rag-corp's metadata keys only, and only on the chunk with the injection attempt.
    const flagged = chunks.rows.filter((chunk) => Object.keys(chunk.metadata).length > 0);
    assert.equal(flagged.length, 1);
    assert.deepEqual(Object.keys(flagged[0]?.metadata ?? {}).sort(), [
      "detected_patterns",
      "risk_score",
      "security_flags",
    ]);

    const nodes = await ragCorp.db.query<{ node_index: number; node_text: string }>(
      "SELECT node_index, node_text FROM nodes WHERE document_id = $1 ORDER BY node_index",
      [documentId],
    );
    assert.equal(nodes.rows.length, Math.ceil(expected.length / 2));
    assert.equal(nodes.rows[0]?.node_text, `${expected[0]} ${expected[1]}`);
  });
  it("a scanned image uploaded to rag-corp: its chunks' metadata keeps ocr and ocr_confidence", async () => {
    const workspaceId = await ragCorp.createWorkspace();
    const { documentId } = await ragCorp.uploadDocument({
      workspaceId,
      fileName: "scan.png",
      bytes: await textPagePng(PAGE_TEXTS[2] ?? "", 150),
      mimeType: "image/png",
      storage: new FileStorage(storageDir),
    });
    const result = await processDocument(documentTask({ documentId, workspaceId }), world.deps);
    assert.deepEqual(outcome(result), { kind: "done", status: "READY", chunksCreated: 1 });
    const chunks = await ragCorp.db.query<{
      content: string;
      metadata: Record<string, unknown>;
      text: string;
    }>("SELECT content, metadata, metadata::text AS text FROM chunks WHERE document_id = $1", [documentId]);
    const [chunk] = chunks.rows;
    assert.ok(wordRecall(PAGE_TEXTS[2] ?? "", chunk?.content ?? "") >= 0.9, chunk?.content);
    assert.deepEqual(Object.keys(chunk?.metadata ?? {}).sort(), ["ocr", "ocr_confidence"]);
    assert.equal(chunk?.metadata["ocr"], true);
    assert.match(chunk?.text ?? "", /^\{"ocr": true, "ocr_confidence": 0\.\d+\}$/);
  });

  it("an unsupported file is FAILED with a readable error_message", async () => {
    const workspaceId = await ragCorp.createWorkspace();
    const { documentId } = await ragCorp.uploadDocument({
      workspaceId,
      fileName: "archive.bin",
      bytes: new Uint8Array([0, 1, 2, 3, 255, 254, 0, 7]),
      mimeType: "application/octet-stream",
      storage: new FileStorage(storageDir),
    });
    const result = await processDocument(documentTask({ documentId, workspaceId }), world.deps);
    assert.equal(result.kind, "failed-permanently");
    const row = await ragCorp.db.query<{ status: string; error_message: string | null }>(
      "SELECT status, error_message FROM documents WHERE id = $1",
      [documentId],
    );
    assert.equal(row.rows[0]?.status, "FAILED");
    const message = row.rows[0]?.error_message ?? "";
    assert.ok(message.length > 0 && message.length <= 500, message);
  });

  it("a document cancelled through rag-corp's cancel use case is not processed, and not overwritten", async () => {
    const workspaceId = await ragCorp.createWorkspace();
    const { documentId } = await ragCorp.uploadDocument({
      workspaceId,
      fileName: "cancelled.txt",
      bytes: "This text must never become chunks.",
      mimeType: "text/plain",
      storage: new FileStorage(storageDir),
    });
    // rag-corp's cancel: PROCESSING → FAILED with its message (the job had been picked up).
    await ragCorp.db.query("UPDATE documents SET status = 'PROCESSING' WHERE id = $1", [documentId]);
    await ragCorp.db.query(
      "UPDATE documents SET status = 'FAILED', error_message = 'Processing cancelled manually' WHERE id = $1 AND status = 'PROCESSING'",
      [documentId],
    );
    const result = await processDocument(documentTask({ documentId, workspaceId }), world.deps);
    assert.deepEqual(outcome(result), { kind: "done", status: "FAILED", chunksCreated: 0 });
    const row = await ragCorp.db.query<{ status: string; error_message: string | null }>(
      "SELECT status, error_message FROM documents WHERE id = $1",
      [documentId],
    );
    assert.deepEqual(row.rows[0], { status: "FAILED", error_message: "Processing cancelled manually" });
    const chunks = await ragCorp.db.query("SELECT 1 FROM chunks WHERE document_id = $1", [documentId]);
    assert.equal(chunks.rows.length, 0);
  });
});
