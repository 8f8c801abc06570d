import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from "docx";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDocx } from "../../src/extract/extract-docx.js";
import { makeDocx } from "../support/document-fixtures.js";

async function pack(children: Array<Paragraph | Table>): Promise<Uint8Array> {
  return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children }] })));
}

function assertCorrupt(error: unknown): true {
  assert.ok(error instanceof PermanentError);
  assert.equal(error.code, "CORRUPT_FILE");
  assert.match(error.message, /^corrupt docx: .+/);
  return true;
}

describe("extractDocx", () => {
  it("gives each section the headings it sits under", async () => {
    const bytes = await makeDocx([
      { paragraphs: ["Draft, do not circulate."] },
      { heading: "Architecture", level: 1, paragraphs: ["Overview of the system."] },
      { heading: "Ingestion", level: 2, paragraphs: ["Jobs come from Redis.", "Threads parse files."] },
      { heading: "Extraction", level: 3, paragraphs: ["PDF and DOCX."] },
      { heading: "Storage", level: 2, paragraphs: ["PostgreSQL holds chunks."] },
      { heading: "Operations", level: 1, paragraphs: ["Runbooks live elsewhere."] },
    ]);
    const doc = await extractDocx(bytes);
    assert.equal(doc.format, "docx");
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [
        [],
        ["Architecture"],
        ["Architecture", "Ingestion"],
        ["Architecture", "Ingestion", "Extraction"],
        ["Architecture", "Storage"],
        ["Operations"],
      ],
    );
    assert.equal(doc.sections[0]?.text, "Draft, do not circulate.");
    assert.equal(doc.sections[2]?.text, "Ingestion\n\nJobs come from Redis.\n\nThreads parse files.");
  });

  it("carries a heading with no text of its own into the subsection that follows it", async () => {
    const bytes = await makeDocx([
      { heading: "Guide", level: 1, paragraphs: [] },
      { heading: "Setup", level: 2, paragraphs: ["Install it."] },
      { heading: "Empty sibling", level: 2, paragraphs: [] },
      { heading: "Usage", level: 2, paragraphs: ["Run it."] },
    ]);
    const doc = await extractDocx(bytes);
    assert.deepEqual(doc.sections, [
      { text: "Guide\n\nSetup\n\nInstall it.", headingPath: ["Guide", "Setup"] },
      { text: "Empty sibling", headingPath: ["Guide", "Empty sibling"] },
      { text: "Usage\n\nRun it.", headingPath: ["Guide", "Usage"] },
    ]);
  });

  it("keeps inline formatting as plain text and decodes escaped characters", async () => {
    const bytes = await pack([
      new Paragraph({
        children: [new TextRun({ text: "Fish & chips", bold: true }), new TextRun(' for <two> "people"')],
      }),
    ]);
    const doc = await extractDocx(bytes);
    assert.deepEqual(doc.sections, [{ text: 'Fish & chips for <two> "people"', headingPath: [] }]);
  });

  it("writes list items and table rows one per line", async () => {
    const cell = (text: string): TableCell => new TableCell({ children: [new Paragraph(text)] });
    const bytes = await pack([
      new Paragraph({ text: "Contacts", heading: HeadingLevel.HEADING_1 }),
      new Paragraph({ text: "Primary on-call", bullet: { level: 0 } }),
      new Paragraph({ text: "Secondary on-call", bullet: { level: 0 } }),
      new Table({
        rows: [
          new TableRow({ children: [cell("Team"), cell("Channel")] }),
          new TableRow({ children: [cell("Platform"), cell("#platform-help")] }),
        ],
      }),
      new Paragraph("Updated weekly."),
    ]);
    const doc = await extractDocx(bytes);
    assert.deepEqual(doc.sections, [
      {
        text: [
          "Contacts",
          "",
          "- Primary on-call",
          "- Secondary on-call",
          "Team | Channel",
          "Platform | #platform-help",
          "",
          "Updated weekly.",
        ].join("\n"),
        headingPath: ["Contacts"],
      },
    ]);
  });

  it("rejects a truncated DOCX as CORRUPT_FILE", async () => {
    const bytes = await makeDocx([{ heading: "Title", paragraphs: ["Body"] }]);
    await assert.rejects(extractDocx(bytes.subarray(0, bytes.length - 200)), assertCorrupt);
  });

  it("rejects bytes that are not a zip at all as CORRUPT_FILE", async () => {
    await assert.rejects(extractDocx(new TextEncoder().encode("not a docx")), assertCorrupt);
  });
});
