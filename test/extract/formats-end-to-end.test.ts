/**
 * Every supported format through the real worker process (its thread pool, PostgreSQL, a storage
 * directory): the structure extraction finds must reach the chunks' metadata. The extraction's
 * refusals (FAILED with their reason) are tested in-process: test/threads/process-document.test.ts.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "../support/bounded-test.js";
import { makeEpubBomb, makeNestedEmail } from "../support/format-fixtures.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

const corpus = new URL("../fixtures/fidelity/", import.meta.url);
const fixture = (name: string): Promise<Buffer> => readFile(new URL(name, corpus));

interface ChunkMetadata {
  format?: string;
  page?: number;
  headingPath?: string[];
}

/** Consecutive equal values once: the pages or headings a document's chunks walk through. */
function distinctRuns<T>(values: readonly T[]): T[] {
  return values.filter(
    (value, index) => index === 0 || JSON.stringify(value) !== JSON.stringify(values[index - 1]),
  );
}

describe("formats and extraction limits through the worker", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;

  const metadataOf = async (documentId: string): Promise<ChunkMetadata[]> =>
    (
      await env.db.query<{ metadata: ChunkMetadata }>(
        "SELECT metadata FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
        [documentId],
      )
    ).rows.map((row) => row.metadata);

  const contentOf = async (documentId: string): Promise<string> =>
    (
      await env.db.query<{ content: string }>(
        "SELECT content FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
        [documentId],
      )
    ).rows
      .map((row) => row.content)
      .join("\n");

  const ingest = async (bytes: Uint8Array, fileName: string, mimeType: string | null = null) => {
    const { documentId, workspaceId } = await env.insertDocument({ bytes, fileName, mimeType });
    const job = await env.enqueue({ documentId, workspaceId }, 3);
    await env.finished(job);
    return { documentId, row: await env.documentRow(documentId) };
  };

  before(async () => {
    env = await createTestEnvironment("formats");
    // The token chunker keeps pages and headings per chunk; the default (rag-corp's) does not.
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "2", CHUNK_TOKENS: "200" }));
    await worker.waitForLog((line) => line.message === "Worker arrancando");
  });

  after(async () => {
    await worker.stop();
    await env.close();
  });

  test("PPTX chunks carry their slide numbers and titles", async () => {
    const { documentId, row } = await ingest(await fixture("slides-libreoffice.pptx"), "deck.pptx");
    assert.equal(row?.status, "READY");
    const metadata = await metadataOf(documentId);
    assert.ok(metadata.every((m) => m.format === "pptx"));
    assert.deepEqual(distinctRuns(metadata.map((m) => [m.page, m.headingPath])), [
      [1, ["Quarterly review"]],
      [2, ["Roadmap"]],
      [3, ["Risks"]],
      [4, ["Questions"]],
    ]);
  });

  test("XLSX chunks carry their sheet numbers and names, rows with their header", async () => {
    const { documentId, row } = await ingest(await fixture("sheets-libreoffice.xlsx"), "book.xlsx");
    assert.equal(row?.status, "READY");
    const metadata = await metadataOf(documentId);
    assert.deepEqual(distinctRuns(metadata.map((m) => [m.format, m.page, m.headingPath])), [
      ["xlsx", 1, ["Staff"]],
      ["xlsx", 2, ["Inventory"]],
    ]);
    assert.match(
      await contentOf(documentId),
      /Name: Zoë Müller; Team: Platform; City: Zürich; Start year: 2019/,
    );
  });

  for (const { name, format } of [
    { name: "document.html", format: "html" },
    { name: "document-libreoffice.odt", format: "odt" },
    { name: "document-libreoffice.docx", format: "docx" },
  ]) {
    test(`${format.toUpperCase()} chunks carry their heading paths`, async () => {
      const { documentId, row } = await ingest(await fixture(name), name);
      assert.equal(row?.status, "READY");
      const metadata = await metadataOf(documentId);
      assert.ok(metadata.every((m) => m.format === format && m.page === undefined));
      assert.deepEqual(distinctRuns(metadata.map((m) => m.headingPath?.join(" > "))), [
        "Platform handbook",
        "Platform handbook > Ingestion",
        "Platform handbook > Ingestion > Formats",
        "Platform handbook > Ingestion > Limits",
        "Platform handbook > Operations",
        "Platform handbook > Operations > Incidents",
        "Appendix",
      ]);
    });
  }

  test("CSV and Windows-1252 text reach READY with their characters intact", async () => {
    const csv = await ingest(await fixture("source/staff.csv"), "staff.csv", "text/csv");
    assert.equal(csv.row?.status, "READY");
    assert.match(await contentOf(csv.documentId), /Name: François Ménard; Team: Security/);
    const text = await ingest(
      await fixture("text-windows-1252.txt"),
      "prices.txt",
      "text/plain; charset=windows-1252",
    );
    assert.equal(text.row?.status, "READY");
    assert.match(await contentOf(text.documentId), /The “quoted” price is 20 € — not 25 €/);
  });

  test("XLS chunks, converted by LibreOffice inside a pool thread, carry their sheet numbers and names", async () => {
    const { documentId, row } = await ingest(await fixture("sheets-libreoffice.xls"), "book.xls");
    assert.equal(row?.status, "READY");
    const metadata = await metadataOf(documentId);
    assert.deepEqual(distinctRuns(metadata.map((m) => [m.format, m.page, m.headingPath])), [
      ["xls", 1, ["Staff"]],
      ["xls", 2, ["Inventory"]],
    ]);
    assert.match(await contentOf(documentId), /Item: Docking station; Quantity: 9; Location: Office/);
  });

  test("EML chunks carry the subject, then the attachment's and the forwarded message's names", async () => {
    const { documentId, row } = await ingest(await fixture("mail-python.eml"), "handbook.eml");
    assert.equal(row?.status, "READY");
    const metadata = await metadataOf(documentId);
    assert.deepEqual(distinctRuns(metadata.map((m) => m.headingPath?.join(" > "))), [
      "Platform handbook",
      "Platform handbook > staff.csv",
      "Platform handbook > latin1-notes.eml > Latin-1 notes",
    ]);
    assert.match(
      await contentOf(documentId),
      /^Subject: Platform handbook\nFrom: Zoë Müller <zoe@example\.com>/,
    );
  });

  test("an e-mail nested 100 levels deep and an EPUB zip bomb end FAILED naming their limits", async () => {
    const mail = await ingest(makeNestedEmail(100), "deep.eml", "message/rfc822");
    assert.equal(mail.row?.status, "FAILED");
    assert.match(mail.row?.error_message ?? "", /e-mail nested too deeply.*\(limit 10\)/);
    const bomb = await ingest(makeEpubBomb(32 * 1024 * 1024), "bomb.epub");
    assert.equal(bomb.row?.status, "FAILED");
    assert.match(bomb.row?.error_message ?? "", /decompression bomb refused \(epub\).*MAX_ARCHIVE_/);
  });
});
