/** Where OCR'd text is marked in the chunks: per page with the token chunker, per document with rag-corp's. */
import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { chunkByCharacters } from "../../src/chunk/chunk-by-characters.js";
import { chunkDocument } from "../../src/chunk/chunk-document.js";
import type { ExtractedDocument } from "../../src/extract/extracted-document.js";

const limits = { maxChunks: 100, maxExtractedChars: 100_000 };
const scanned: ExtractedDocument = {
  format: "image",
  sections: [
    { text: "first page read by tesseract", page: 1, ocrConfidence: 0.9 },
    { text: "second page, shorter", page: 2, ocrConfidence: 0.6 },
  ],
};

describe("OCR in chunk metadata", () => {
  it("the token chunker marks each OCR'd page's chunks with ocr and that page's confidence", () => {
    const mixed: ExtractedDocument = {
      format: "pdf",
      sections: [{ text: "a text layer", page: 1 }, ...scanned.sections.slice(1)],
    };
    const chunks = chunkDocument(mixed, { size: 100, overlap: 0, ...limits });
    assert.deepEqual(
      chunks.map((chunk) => chunk.metadata),
      [
        { format: "pdf", page: 1 },
        { format: "pdf", page: 2, ocr: true, ocrConfidence: 0.6 },
      ],
    );
  });

  it("rag-corp's chunker, which cuts across pages, marks chunks only when OCR read the whole document", () => {
    const whole = chunkByCharacters(scanned, { size: 900, overlap: 0, ...limits });
    // Weighted by characters: (0.9 × 28 + 0.6 × 20) / 48.
    assert.deepEqual(
      whole.map((chunk) => chunk.metadata),
      [{ format: "image", ocr: true, ocrConfidence: 0.775 }],
    );
    const mixed = chunkByCharacters(
      { format: "pdf", sections: [{ text: "a text layer", page: 1 }, ...scanned.sections] },
      { size: 900, overlap: 0, ...limits },
    );
    assert.deepEqual(
      mixed.map((chunk) => chunk.metadata),
      [{ format: "pdf" }],
    );
  });
});
