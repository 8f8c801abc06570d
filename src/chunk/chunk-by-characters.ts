import { PermanentError } from "../errors/permanent-error.js";
import type { ExtractedDocument } from "../extract/extracted-document.js";
import { checkExtractedText, type DocumentChunk } from "./chunk-document.js";
import { chunkCharacters } from "./character-chunker.js";
import { normalizeRagCorpText } from "./rag-corp-text.js";

export interface CharacterChunkOptions {
  /** Code points per chunk (rag-corp's CHUNK_SIZE). */
  readonly size: number;
  readonly overlap: number;
  readonly maxChunks: number;
  readonly maxExtractedChars: number;
}

// Formats whose text is the file itself: an empty one has nothing to lose, and rag-corp makes it
// READY with no chunks. A PDF or office file without text has content (scans, images) that no
// chunk would hold: that fails loudly (EMPTY_DOCUMENT) instead of turning READY and empty.
const PLAIN_TEXT_FORMATS = new Set(["text", "markdown", "csv", "html"]);

/**
 * rag-corp's chunking: the whole text in one piece (sections joined by a line break, as its PDF
 * parser joins pages), normalised its way, cut by its character chunker. Unlike rag-corp, nothing
 * is dropped silently: too much text or too many chunks fail the document.
 */
export function chunkByCharacters(doc: ExtractedDocument, options: CharacterChunkOptions): DocumentChunk[] {
  checkExtractedText(doc, options.maxExtractedChars);
  const text = normalizeRagCorpText(doc.sections.map((section) => section.text).join("\n"));
  const contents = chunkCharacters(text, {
    size: options.size,
    overlap: options.overlap,
    maxChunks: options.maxChunks,
  });
  if (contents.length === 0 && !PLAIN_TEXT_FORMATS.has(doc.format)) {
    throw new PermanentError(
      "EMPTY_DOCUMENT",
      `document has no extractable text (a ${doc.format} without a text layer, such as a scan: OCR is not supported)`,
    );
  }
  return contents.map((content, index) => ({ index, content, metadata: { format: doc.format } }));
}
