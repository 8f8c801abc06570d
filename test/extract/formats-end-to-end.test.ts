/**
 * Every supported format and every extraction refusal through the real worker process (its thread
 * pool, PostgreSQL, a storage directory): the structure extraction finds must reach the chunks'
 * metadata, and a refused file must end FAILED with its reason after one attempt.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "../support/bounded-test.js";

import {
  makeEncryptedOfficeFile,
  makePdf,
  makeZip,
  makeZipBomb,
  tinyPng,
} from "../support/document-fixtures.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

const MAX_PAGES = 4;
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
    const outcome = await env.finished(job);
    const row = await env.documentRow(documentId);
    const attempts = (await env.producer.queue.getJob(job.id ?? ""))?.attemptsMade;
    return { documentId, outcome, row, attempts };
  };

  before(async () => {
    env = await createTestEnvironment("formats");
    // The token chunker keeps pages and headings per chunk; the default (rag-corp's) does not.
    worker = startWorkerProcess(
      env.env({ WORKER_THREADS: "2", MAX_PAGES: String(MAX_PAGES), CHUNK_TOKENS: "200" }),
    );
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
      bytes: () => fixture("protected-libreoffice.pdf"),
      fileName: "protected.pdf",
      reason: /encrypted/,
    },
    {
      label: "a password-protected ODT (LibreOffice)",
      bytes: () => fixture("protected-libreoffice.odt"),
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
      label: "an image",
      bytes: async () => tinyPng(),
      fileName: "photo.png",
      reason: /^unsupported type: image\/png$/,
    },
    {
      label: "a plain zip",
      bytes: async () => makeZip({ "a.txt": "hello" }),
      fileName: "a.zip",
      reason: /^unsupported type: application\/zip$/,
    },
  ];
  for (const refusal of refusals) {
    test(`${refusal.label} ends FAILED with its reason after one attempt`, async () => {
      const { outcome, row, attempts } = await ingest(await refusal.bytes(), refusal.fileName);
      assert.equal(outcome.state, "failed");
      assert.equal(row?.status, "FAILED");
      assert.match(row?.error_message ?? "", refusal.reason);
      assert.equal(attempts, 1);
    });
  }
});
