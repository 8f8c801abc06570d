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
      `document has no extractable text (${doc.format} without text: blank, or a scan OCR read no word on)`,
    );
  }
  const ocr = wholeDocumentOcr(doc);
  return contents.map((content, index) => ({ index, content, metadata: { format: doc.format, ...ocr } }));
}

/**
 * rag-corp's chunks cut across pages, so a chunk cannot say which page it came from, nor whether
 * OCR read that page. When OCR read every section (an image, a scanned PDF), every chunk did come
 * from OCR: it says so, with the confidence averaged over the text (longer pages weigh more). A
 * mixed document's chunks say nothing, rather than something possibly wrong.
 */
function wholeDocumentOcr(doc: ExtractedDocument): { ocr?: true; ocrConfidence?: number } {
  const sections = doc.sections.filter((section) => section.text.trim() !== "");
  if (sections.length === 0 || sections.some((section) => section.ocrConfidence === undefined)) return {};
  const characters = sections.reduce((total, section) => total + section.text.length, 0);
  const weighted = sections.reduce(
    (total, section) => total + (section.ocrConfidence ?? 0) * section.text.length,
    0,
  );
  return { ocr: true, ocrConfidence: Math.round((weighted / characters) * 1000) / 1000 };
}
