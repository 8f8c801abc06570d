/** What a failed tesseract run means for the document: the worker's fault (retried) or the file's. */
import assert from "node:assert/strict";
import { before, describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { TransientError } from "../../src/errors/transient-error.js";
import { ToolMissingError } from "../../src/tools/bounded-tool.js";
import { ocrError, recognizePage } from "../../src/ocr/recognize-page.js";
import { PAGE_TEXTS, textPagePng, wordRecall } from "../support/ocr-fixtures.js";

describe("recognizePage", () => {
  let page: Buffer;

  before(async () => {
    page = await textPagePng(PAGE_TEXTS[1] ?? "");
  });

  it("reads a page's words with their mean confidence", async () => {
    const read = await recognizePage(page, { languages: "eng+spa", dpi: 200, timeoutMs: 60_000 });
    assert.ok(wordRecall(PAGE_TEXTS[1] ?? "", read.text) >= 0.9, read.text);
    assert.ok(read.words >= 10);
    assert.ok((read.confidence ?? 0) > 0.5);
  });

  // (With another language that loads, tesseract only warns and reads on: the start-up check is what
  // catches a language missing from OCR_LANGUAGES.)
  it("no language loading at run time is the worker's fault: OCR_UNAVAILABLE, retryable", async () => {
    await assert.rejects(
      recognizePage(page, { languages: "xyz", dpi: null, timeoutMs: 60_000 }),
      (error: unknown) => {
        assert.ok(error instanceof TransientError, String(error));
        assert.equal(error.code, "OCR_UNAVAILABLE");
        assert.match(error.message, /OCR_ENABLED=false/);
        return true;
      },
    );
  });

  it("tesseract missing is OCR_UNAVAILABLE too; bytes it cannot read are CORRUPT_FILE", async () => {
    const missing = ocrError(new ToolMissingError("tesseract"), 1_000, "image");
    assert.ok(missing instanceof TransientError && missing.code === "OCR_UNAVAILABLE");
    await assert.rejects(
      recognizePage(Buffer.from("not an image at all"), { languages: "eng", dpi: null, timeoutMs: 60_000 }),
      (error: unknown) => error instanceof PermanentError && error.code === "CORRUPT_FILE",
    );
  });
});
