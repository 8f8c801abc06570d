import { type DetectedType, detectType } from "./detect-type.js";
import { extractDocx } from "./extract-docx.js";
import { extractMarkdown } from "./extract-markdown.js";
import { extractPdf } from "./extract-pdf.js";
import { extractText } from "./extract-text.js";
import type { ExtractedDocument } from "./extracted-document.js";

export interface ExtractionResult {
  readonly document: ExtractedDocument;
  /** Returned so the caller can log a declared-type mismatch and record the real type. */
  readonly detected: DetectedType;
}

/**
 * Bytes in, structured text out: the extractor is chosen by what the bytes are, never by the
 * uploader's claim. Throws PermanentError for unsupported, corrupt or encrypted files. A document
 * with no text at all (a scanned PDF, a blank file) comes back with no sections rather than as an
 * error, so the caller owns the EMPTY_DOCUMENT decision after its own normalization.
 */
export async function extractDocument(
  bytes: Uint8Array,
  declaredMime: string | null,
  fileName: string | null,
): Promise<ExtractionResult> {
  const detected = await detectType(bytes, declaredMime, fileName);
  return { document: await extractAs(detected.format, bytes), detected };
}

async function extractAs(format: DetectedType["format"], bytes: Uint8Array): Promise<ExtractedDocument> {
  switch (format) {
    case "pdf":
      return extractPdf(bytes);
    case "docx":
      return extractDocx(bytes);
    case "markdown":
      return extractMarkdown(bytes);
    case "text":
      return extractText(bytes);
  }
}
