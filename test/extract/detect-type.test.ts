import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { DOCX_MIME, detectType, normalizeMime } from "../../src/extract/detect-type.js";
import { makeDocx, makePdf, makeZip, tinyPng } from "../support/document-fixtures.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

async function assertUnsupported(bytes: Uint8Array, mime: string): Promise<void> {
  await assert.rejects(detectType(bytes, null, null), (error: unknown) => {
    assert.ok(error instanceof PermanentError);
    assert.equal(error.code, "UNSUPPORTED_TYPE");
    assert.equal(error.message, `unsupported type: ${mime}`);
    return true;
  });
}

describe("detectType", () => {
  it("recognises a PDF from its bytes", async () => {
    const pdf = await makePdf(["hello"]);
    assert.deepEqual(await detectType(pdf, "application/pdf", "a.pdf"), {
      format: "pdf",
      mime: "application/pdf",
      declaredMimeMismatch: false,
    });
  });

  it("lets the bytes win over a wrong declared type, and flags the mismatch", async () => {
    const pdf = await makePdf(["hello"]);
    assert.deepEqual(await detectType(pdf, "text/plain", "notes.txt"), {
      format: "pdf",
      mime: "application/pdf",
      declaredMimeMismatch: true,
    });
  });

  it("does not flag declarations that claim nothing", async () => {
    const pdf = await makePdf(["hello"]);
    assert.equal((await detectType(pdf, null, null)).declaredMimeMismatch, false);
    assert.equal((await detectType(pdf, "application/octet-stream", null)).declaredMimeMismatch, false);
    assert.equal((await detectType(pdf, "", null)).declaredMimeMismatch, false);
  });

  it("recognises a DOCX inside its zip container", async () => {
    const docx = await makeDocx([{ heading: "Title", paragraphs: ["Body"] }]);
    assert.deepEqual(await detectType(docx, DOCX_MIME, "a.docx"), {
      format: "docx",
      mime: DOCX_MIME,
      declaredMimeMismatch: false,
    });
    // application/msword is the old binary .doc format: a different claim.
    assert.equal((await detectType(docx, "application/msword", "a.docx")).declaredMimeMismatch, true);
  });

  it("calls text markdown by declared type, parameters and case ignored", async () => {
    const bytes = utf8("# Title\n\nBody\n");
    for (const declared of ["text/markdown", "Text/Markdown; charset=UTF-8", "text/x-markdown"]) {
      assert.deepEqual(await detectType(bytes, declared, null), {
        format: "markdown",
        mime: "text/markdown",
        declaredMimeMismatch: false,
      });
    }
  });

  it("calls text markdown by file name", async () => {
    const bytes = utf8("# Title\n");
    assert.equal((await detectType(bytes, null, "README.md")).format, "markdown");
    assert.equal((await detectType(bytes, "text/plain", "guide.MARKDOWN")).format, "markdown");
    assert.equal((await detectType(bytes, "text/plain", "notes.md.txt")).format, "text");
  });

  it("calls other text plain text, without flagging textual declarations", async () => {
    const bytes = utf8("just some notes\n");
    assert.deepEqual(await detectType(bytes, "text/plain", "notes.txt"), {
      format: "text",
      mime: "text/plain",
      declaredMimeMismatch: false,
    });
    assert.equal((await detectType(bytes, "text/csv", null)).declaredMimeMismatch, false);
    assert.equal((await detectType(bytes, "application/json", null)).declaredMimeMismatch, false);
    assert.equal((await detectType(bytes, "application/pdf", null)).declaredMimeMismatch, true);
  });

  it("treats an empty file as (empty) text", async () => {
    assert.equal((await detectType(new Uint8Array(0), null, null)).format, "text");
  });

  it("keeps prose whose first bytes look like a binary signature", async () => {
    // file-type reads "BM" as a bitmap, "MZ" as an executable and "solid " as an STL model.
    for (const text of ["BMW fleet maintenance notes", "MZ-7 rollout plan", "solid state drives: notes"]) {
      assert.equal((await detectType(utf8(text), null, null)).format, "text", text);
    }
  });

  it("accepts UTF-8 whose multi-byte character straddles the 8 KB sniff window", async () => {
    const bytes = utf8(`${"a".repeat(8 * 1024 - 1)}é and more text after`);
    assert.equal(bytes[8 * 1024 - 1], 0xc3); // first byte of "é" is the last byte sniffed
    assert.equal((await detectType(bytes, null, null)).format, "text");
  });

  it("refuses images, plain zips and binary junk", async () => {
    await assertUnsupported(tinyPng(), "image/png");
    await assertUnsupported(makeZip({ "a.txt": "hello" }), "application/zip");
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    await assertUnsupported(junk, "application/octet-stream");
  });

  it("refuses text with NUL bytes or many control characters", async () => {
    await assertUnsupported(utf8("abc\u0000def"), "application/octet-stream");
    const controls = Uint8Array.from({ length: 400 }, (_, i) => (i % 10 === 0 ? 0x01 : 0x61));
    await assertUnsupported(controls, "application/octet-stream");
  });

  it("takes 8-bit text that is not UTF-8 as text (Latin-1, Windows-1252)", async () => {
    // "café" in Latin-1: 0xE9 cannot start a UTF-8 sequence here.
    assert.equal(
      (await detectType(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]), null, null)).format,
      "text",
    );
  });

  it("refuses RTF although it is ASCII", async () => {
    await assertUnsupported(
      utf8("{\\rtf1\\ansi{\\fonttbl\\f0\\fswiss Helvetica;}\\f0 Hello}"),
      "application/rtf",
    );
  });

  it("reports the declared type on the error", async () => {
    await assert.rejects(detectType(tinyPng(), "text/plain", "x.txt"), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.deepEqual(error.context, { detectedMime: "image/png", declaredMime: "text/plain" });
      return true;
    });
  });
});

describe("normalizeMime", () => {
  it("lowercases and strips parameters", () => {
    assert.equal(normalizeMime(" Text/Plain ; charset=utf-8"), "text/plain");
    assert.equal(normalizeMime(null), "");
  });
});
