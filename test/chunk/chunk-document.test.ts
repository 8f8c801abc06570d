import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { readFile } from "node:fs/promises";

import { Tokenizer } from "@huggingface/tokenizers";

import { chunkDocument } from "../../src/chunk/chunk-document.js";
import { normalizeText } from "../../src/chunk/normalize-text.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import type { ExtractedDocument } from "../../src/extract/extracted-document.js";

const OPTIONS = { size: 200, overlap: 30, maxChunks: 1000, maxExtractedChars: 1_000_000 };

/** `count` distinct words carrying `tag`, in sentences, so a chunk's origin can be read back. */
function sectionText(tag: string, count: number): string {
  return Array.from({ length: count }, (_, index) => `${tag}w${index}${index % 7 === 6 ? "." : ""}`).join(
    " ",
  );
}

function assertPermanentError(error: unknown, code: string, message: RegExp): true {
  assert.ok(error instanceof PermanentError, `not a PermanentError: ${String(error)}`);
  assert.equal(error.code, code);
  assert.equal(error.retryable, false);
  assert.match(error.message, message);
  return true;
}

describe("chunkDocument", () => {
  it("chunks each page on its own, indexes globally from 0 and carries the page", () => {
    const doc: ExtractedDocument = {
      format: "pdf",
      sections: [
        { text: sectionText("one", 80), page: 1 },
        { text: sectionText("two", 15), page: 2 },
        { text: sectionText("three", 120), page: 3 },
      ],
    };
    const chunks = chunkDocument(doc, OPTIONS);
    assert.deepEqual(
      chunks.map((chunk) => chunk.index),
      chunks.map((_, index) => index),
    );
    for (const chunk of chunks) {
      const tags = new Set(chunk.content.split(" ").map((word) => word.replace(/w\d+\.?$/, "")));
      assert.deepEqual([...tags], [["one", "two", "three"][(chunk.metadata.page ?? 0) - 1]], chunk.content);
      assert.equal(chunk.metadata.format, "pdf");
    }
    assert.deepEqual(
      [...new Set(chunks.map((chunk) => chunk.metadata.page))],
      [1, 2, 3],
      "pages out of order or missing",
    );
    // A page shorter than a chunk is a chunk of its own, not merged with its neighbours.
    assert.deepEqual(
      chunks.filter((chunk) => chunk.metadata.page === 2).map((chunk) => chunk.content),
      [sectionText("two", 15)],
    );
  });

  it("carries the heading path as a copy, and leaves out page and headings a format lacks", () => {
    const headingPath = ["Guide", "Install"];
    const doc: ExtractedDocument = {
      format: "markdown",
      sections: [{ text: "Run the installer.", headingPath }, { text: "No heading here." }],
    };
    const [first, second] = chunkDocument(doc, OPTIONS);
    assert.deepEqual(first?.metadata, { format: "markdown", headingPath: ["Guide", "Install"] });
    assert.notEqual(first?.metadata.headingPath, headingPath);
    assert.deepEqual(second?.metadata, { format: "markdown" });
    assert.equal("page" in (second?.metadata ?? {}), false);
  });

  it("gives every chunk its own metadata object", () => {
    const doc: ExtractedDocument = {
      format: "pdf",
      sections: [{ text: sectionText("same", 200), page: 4, headingPath: ["A"] }],
    };
    const chunks = chunkDocument(doc, OPTIONS);
    assert.ok(chunks.length > 1);
    chunks[0]?.metadata.headingPath?.push("mutated");
    assert.deepEqual(chunks[1]?.metadata.headingPath, ["A"]);
    assert.notEqual(chunks[0]?.metadata, chunks[1]?.metadata);
  });

  it("normalizes text before chunking", () => {
    const doc: ExtractedDocument = {
      format: "text",
      sections: [
        {
          text: "\uFEFF  Cafe\u0301\r\nnext\tline\u0000  with\u00A0\u00A0spaces \r\n\r\n\r\n\r\nlast\fpage\u0007 ",
        },
      ],
    };
    const [chunk] = chunkDocument(doc, OPTIONS);
    assert.equal(chunk?.content, "Café\nnext line with spaces\n\nlast\npage");
    assert.equal(chunk?.content.normalize("NFC"), chunk?.content);
  });

  it("normalizes: NFC, LF line ends, one space, at most one blank line, no control characters", () => {
    assert.equal(normalizeText("e\u0301"), "\u00e9");
    assert.equal(normalizeText("a\r\nb\rc"), "a\nb\nc");
    assert.equal(normalizeText("a \t  b\t\tc"), "a b c");
    assert.equal(normalizeText("a\n\n\n\n\nb"), "a\n\nb");
    assert.equal(normalizeText("a  \n   \n  \n b"), "a\n\nb");
    assert.equal(normalizeText("a\u0001\u001b\u007f\u0085b"), "a\nb");
    assert.equal(normalizeText("tab\tstays\ta space"), "tab stays a space");
    assert.equal(normalizeText(" \n\t\u0000 "), "");
  });

  it("skips empty sections without leaving gaps in the indexes", () => {
    const doc: ExtractedDocument = {
      format: "pdf",
      sections: [
        { text: "First page.", page: 1 },
        { text: "  \n\u0000 ", page: 2 },
        { text: "Third page.", page: 3 },
      ],
    };
    assert.deepEqual(
      chunkDocument(doc, OPTIONS).map((chunk) => [chunk.index, chunk.metadata.page, chunk.content]),
      [
        [0, 1, "First page."],
        [1, 3, "Third page."],
      ],
    );
  });

  it("fails for good with EMPTY_DOCUMENT when no text is left", () => {
    for (const sections of [[], [{ text: "" }], [{ text: " \n\t \u0000\u0007 " }, { text: "\r\n" }]]) {
      assert.throws(
        () => chunkDocument({ format: "text", sections }, OPTIONS),
        (error) => assertPermanentError(error, "EMPTY_DOCUMENT", /^document has no extractable text$/),
      );
    }
  });

  it("fails for good with TOO_MANY_CHUNKS, naming the count and the limit", () => {
    const doc: ExtractedDocument = {
      format: "text",
      sections: Array.from({ length: 6 }, (_, index) => ({ text: `Page ${index}.`, page: index + 1 })),
    };
    assert.equal(chunkDocument(doc, { ...OPTIONS, maxChunks: 6 }).length, 6);
    assert.throws(
      () => chunkDocument(doc, { ...OPTIONS, maxChunks: 5 }),
      (error) => assertPermanentError(error, "TOO_MANY_CHUNKS", /^too many chunks: 6 > MAX_CHUNKS=5$/),
    );
  });

  it("fails for good with TOO_MUCH_TEXT, naming the count and the limit, counting every section", () => {
    const doc: ExtractedDocument = {
      format: "pdf",
      sections: [
        { text: "a".repeat(600), page: 1 },
        { text: "b ".repeat(300), page: 2 },
      ],
    };
    assert.ok(chunkDocument(doc, { ...OPTIONS, maxExtractedChars: 1200 }).length > 0);
    assert.throws(
      () => chunkDocument(doc, { ...OPTIONS, maxExtractedChars: 1199 }),
      (error) =>
        assertPermanentError(
          error,
          "TOO_MUCH_TEXT",
          /^too much text: 1200 characters > MAX_EXTRACTED_CHARS=1199$/,
        ),
    );
  });

  it("sizes chunks in the embedder's tokens: a WordPiece tokenizer's count of each chunk is within size", async () => {
    const modelDir = new URL("../fixtures/tiny-bert/", import.meta.url);
    const tokenizer = new Tokenizer(
      JSON.parse(await readFile(new URL("tokenizer.json", modelDir), "utf8")) as Record<string, unknown>,
      JSON.parse(await readFile(new URL("tokenizer_config.json", modelDir), "utf8")) as Record<
        string,
        unknown
      >,
    );
    const countTokens = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids.length;
    const text = Array.from(
      { length: 400 },
      (_, index) =>
        `The river document ${index} is chunked, embedded and stored (xylophone-${index % 9}).` +
        (index % 5 === 4 ? "\n\n" : " "),
    ).join("");
    const doc: ExtractedDocument = { format: "text", sections: [{ text }] };
    const chunks = chunkDocument(doc, { ...OPTIONS, size: 60, overlap: 10, countTokens });
    assert.ok(chunks.length > 10);
    chunks.forEach((chunk, index) => {
      const limit = index === chunks.length - 1 ? 75 : 60;
      const tokens = countTokens(chunk.content);
      assert.ok(tokens <= limit, `chunk ${index}: ${tokens} tokens > ${limit}`);
    });
    // Full chunks: the tokenizer's count, not a character count, decided where they end.
    const counts = chunks.slice(0, -1).map((chunk) => countTokens(chunk.content));
    assert.ok(Math.max(...counts) > 45, `chunks are far below size: ${counts.join(", ")}`);
  });

  it("rejects invalid options with a RangeError", () => {
    const doc: ExtractedDocument = { format: "text", sections: [{ text: "text" }] };
    assert.throws(() => chunkDocument(doc, { ...OPTIONS, size: 0, overlap: 0 }), RangeError);
    assert.throws(() => chunkDocument(doc, { ...OPTIONS, size: 100, overlap: 100 }), RangeError);
    assert.throws(() => chunkDocument(doc, { ...OPTIONS, maxChunks: 0 }), RangeError);
    assert.throws(() => chunkDocument(doc, { ...OPTIONS, maxExtractedChars: 0 }), RangeError);
  });
});
