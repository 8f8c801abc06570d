import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import {
  corruptPdf,
  makeDocx,
  makeEncryptedPdf,
  makePdf,
  makeZip,
  tinyPng,
} from "../support/document-fixtures.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function rejectsWith(code: string) {
  return (error: unknown): true => {
    assert.ok(error instanceof PermanentError, `expected a PermanentError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

describe("extractDocument", () => {
  it("extracts a PDF page by page", async () => {
    const { document, detected } = await extractDocument(
      await makePdf(["one", "two", "three"]),
      "application/pdf",
      "a.pdf",
    );
    assert.equal(detected.format, "pdf");
    assert.deepEqual(document, {
      format: "pdf",
      sections: [
        { text: "one", page: 1 },
        { text: "two", page: 2 },
        { text: "three", page: 3 },
      ],
    });
  });

  it("extracts a PDF declared as text/plain as a PDF, and reports the mismatch", async () => {
    const { document, detected } = await extractDocument(await makePdf(["body"]), "text/plain", "x.txt");
    assert.deepEqual(detected, { format: "pdf", mime: "application/pdf", declaredMimeMismatch: true });
    assert.equal(document.format, "pdf");
    assert.equal(document.sections[0]?.text, "body");
  });

  it("extracts a DOCX with heading paths", async () => {
    const bytes = await makeDocx([{ heading: "Runbook", level: 1, paragraphs: ["Restart the workers."] }]);
    const { document, detected } = await extractDocument(bytes, null, "runbook.docx");
    assert.equal(detected.format, "docx");
    assert.deepEqual(document, {
      format: "docx",
      sections: [{ text: "Runbook\n\nRestart the workers.", headingPath: ["Runbook"] }],
    });
  });

  it("extracts markdown when the name says so, plain text otherwise", async () => {
    const bytes = utf8("# Notes\nremember the milk\n");
    const markdown = await extractDocument(bytes, "text/plain", "notes.md");
    assert.equal(markdown.document.format, "markdown");
    assert.deepEqual(markdown.document.sections, [
      { text: "# Notes\nremember the milk", headingPath: ["Notes"] },
    ]);

    const text = await extractDocument(bytes, "text/plain", "notes.txt");
    assert.deepEqual(text.document, { format: "text", sections: [{ text: "# Notes\nremember the milk\n" }] });
  });

  it("returns no sections for a blank text file, leaving EMPTY_DOCUMENT to the caller", async () => {
    const { document } = await extractDocument(utf8("\n \n"), "text/plain", "blank.txt");
    assert.deepEqual(document.sections, []);
  });

  it("refuses unsupported types whatever they are declared as", async () => {
    await assert.rejects(extractDocument(tinyPng(), "text/plain", "a.txt"), rejectsWith("UNSUPPORTED_TYPE"));
    await assert.rejects(
      extractDocument(makeZip({ "word/document.xml": "<w/>" }), null, "a.docx"),
      rejectsWith("UNSUPPORTED_TYPE"),
    );
    const junk = Uint8Array.from({ length: 1024 }, (_, i) => (i * 31 + 7) % 256);
    await assert.rejects(extractDocument(junk, "application/pdf", "a.pdf"), rejectsWith("UNSUPPORTED_TYPE"));
  });

  it("reports corrupt and encrypted files as such", async () => {
    await assert.rejects(extractDocument(corruptPdf(), null, null), rejectsWith("CORRUPT_FILE"));
    const docx = await makeDocx([{ heading: "Title", paragraphs: ["Body"] }]);
    await assert.rejects(
      extractDocument(docx.subarray(0, docx.length - 200), null, null),
      rejectsWith("CORRUPT_FILE"),
    );
    await assert.rejects(
      extractDocument(makeEncryptedPdf("secret", "pw"), null, null),
      rejectsWith("ENCRYPTED_FILE"),
    );
  });

  it("reads every sample document of the quick start", async () => {
    const samples = [
      { name: "handbook.md", format: "markdown" },
      { name: "release-notes.txt", format: "text" },
      { name: "onboarding.pdf", format: "pdf" },
      { name: "architecture.docx", format: "docx" },
    ];
    for (const sample of samples) {
      const bytes = await readFile(new URL(`../../samples/${sample.name}`, import.meta.url));
      const { document, detected } = await extractDocument(bytes, null, sample.name);
      assert.equal(detected.format, sample.format, sample.name);
      const chars = document.sections.reduce((total, section) => total + section.text.length, 0);
      assert.ok(chars > 3000, `${sample.name}: only ${chars} characters extracted`);
    }
  });
});
