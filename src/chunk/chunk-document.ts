import { PermanentError } from "../errors/permanent-error.js";
import type { ExtractedDocument } from "../extract/extracted-document.js";
import { normalizeText } from "./normalize-text.js";
import { splitText, validateSplitOptions } from "./split-text.js";
import { cachedTokenCounter, estimateTokens, type TokenCounter } from "./token-count.js";

export interface DocumentChunk {
  /** Position in the document, from 0, without gaps; stored as `chunks.chunk_index`. */
  index: number;
  content: string;
  metadata: {
    format: string;
    page?: number;
    headingPath?: string[];
    /** Present (true) only when the chunk's text was read by OCR (a scanned page, an image). */
    ocr?: true;
    /** With `ocr`: the mean confidence tesseract gave the words of the chunk's page, from 0 to 1. */
    ocrConfidence?: number;
  };
}

/** MAX_EXTRACTED_CHARS over all sections: more fails the document for good, whatever the chunker. */
export function checkExtractedText(doc: ExtractedDocument, maxExtractedChars: number): void {
  const characters = doc.sections.reduce((total, section) => total + section.text.length, 0);
  if (characters > maxExtractedChars) {
    throw new PermanentError(
      "TOO_MUCH_TEXT",
      `too much text: ${characters} characters > MAX_EXTRACTED_CHARS=${maxExtractedChars}`,
      { characters, limit: maxExtractedChars },
    );
  }
}

export interface ChunkDocumentOptions {
  readonly size: number;
  readonly overlap: number;
  /** More chunks than this fails the document for good: it would not get smaller on retry. */
  readonly maxChunks: number;
  /** More extracted characters than this (all sections) fails the document for good. */
  readonly maxExtractedChars: number;
  /** The embedder's tokenizer, counting one word; without one, sizes are estimated (estimateTokens). */
  readonly countTokens?: TokenCounter;
}

/**
 * Each section is chunked on its own, so a chunk never spans two pages or two headings and its
 * page and heading path are exact. Sizes are in tokens (see splitText).
 */
export function chunkDocument(doc: ExtractedDocument, options: ChunkDocumentOptions): DocumentChunk[] {
  validateSplitOptions(options);
  if (!Number.isInteger(options.maxChunks) || options.maxChunks <= 0) {
    throw new RangeError(`maxChunks must be a positive integer, got ${options.maxChunks}`);
  }
  if (!Number.isInteger(options.maxExtractedChars) || options.maxExtractedChars <= 0) {
    throw new RangeError(`maxExtractedChars must be a positive integer, got ${options.maxExtractedChars}`);
  }
  // Checked before any work: normalizing and splitting a text this size is what the limit prevents.
  checkExtractedText(doc, options.maxExtractedChars);
  const split = {
    size: options.size,
    overlap: options.overlap,
    // A tokenizer is worth caching per word; the estimate is cheaper than a cache lookup.
    countTokens: options.countTokens ? cachedTokenCounter(options.countTokens) : estimateTokens,
  };
  const chunks: DocumentChunk[] = [];
  for (const section of doc.sections) {
    const metadata: DocumentChunk["metadata"] = { format: doc.format };
    if (section.page !== undefined) {
      metadata.page = section.page;
    }
    if (section.headingPath !== undefined && section.headingPath.length > 0) {
      metadata.headingPath = [...section.headingPath];
    }
    if (section.ocrConfidence !== undefined) {
      metadata.ocr = true;
      metadata.ocrConfidence = section.ocrConfidence;
    }
    for (const content of splitText(normalizeText(section.text), split)) {
      // Each chunk gets its own metadata object: callers add per-chunk fields (injection flags).
      chunks.push({ index: chunks.length, content, metadata: cloneMetadata(metadata) });
    }
  }
  if (chunks.length === 0) {
    throw new PermanentError("EMPTY_DOCUMENT", "document has no extractable text");
  }
  if (chunks.length > options.maxChunks) {
    throw new PermanentError(
      "TOO_MANY_CHUNKS",
      `too many chunks: ${chunks.length} > MAX_CHUNKS=${options.maxChunks}`,
      { chunks: chunks.length, limit: options.maxChunks },
    );
  }
  return chunks;
}

function cloneMetadata(metadata: DocumentChunk["metadata"]): DocumentChunk["metadata"] {
  const clone: DocumentChunk["metadata"] = { ...metadata };
  if (metadata.headingPath !== undefined) {
    clone.headingPath = [...metadata.headingPath];
  }
  return clone;
}
