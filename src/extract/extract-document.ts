import { PermanentError } from "../errors/permanent-error.js";
import { type DetectedType, detectType } from "./detect-type.js";
import { extractConverted } from "./extract-converted.js";
import { extractCsv } from "./extract-csv.js";
import { extractDoc } from "./extract-doc.js";
import { extractDocx } from "./extract-docx.js";
import { extractEpub } from "./extract-epub.js";
import { extractHtml } from "./extract-html.js";
import { extractImage } from "./extract-image.js";
import { extractMail } from "./extract-mail.js";
import { extractMarkdown } from "./extract-markdown.js";
import { extractOdp } from "./extract-odp.js";
import { extractOds } from "./extract-ods.js";
import { extractOdt } from "./extract-odt.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import { extractPdf } from "./extract-pdf.js";
import { extractPptx } from "./extract-pptx.js";
import { extractText } from "./extract-text.js";
import { extractXlsx } from "./extract-xlsx.js";
import type { ExtractedDocument } from "./extracted-document.js";

export interface ExtractionResult {
  readonly document: ExtractedDocument;
  /** Returned so the caller can log a declared-type mismatch and record the real type. */
  readonly detected: DetectedType;
}

/**
 * Bytes in, structured text out: the extractor is chosen by what the bytes are, never by the
 * uploader's claim. Throws PermanentError for unsupported, corrupt or encrypted files and for files
 * over the limits in `options` (pages, archive bombs). A document with no text at all (a scanned
 * PDF, a blank file) comes back with no sections rather than as an error, so the caller owns the
 * EMPTY_DOCUMENT decision after its own normalization.
 */
export async function extractDocument(
  bytes: Uint8Array,
  declaredMime: string | null,
  fileName: string | null,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractionResult> {
  const detected = await detectType(bytes, declaredMime, fileName);
  try {
    return { document: await extractAs(detected.format, bytes, fileName, options), detected };
  } catch (error) {
    throw nestingAsCorrupt(error, detected.format);
  }
}

/**
 * The tree walks of the markup formats recurse, so a file of 100,000 nested elements (hostile, or a
 * broken generator) overflows the stack. The same bytes would overflow it on every retry: it is a
 * permanent refusal of the file, not a fault of the worker. Other errors pass through unchanged.
 */
function nestingAsCorrupt(error: unknown, format: DetectedType["format"]): unknown {
  if (!(error instanceof RangeError) || !/call stack/i.test(error.message)) return error;
  return new PermanentError(
    "CORRUPT_FILE",
    `corrupt ${format}: elements nested too deeply to read`,
    {},
    { cause: error },
  );
}

async function extractAs(
  format: DetectedType["format"],
  bytes: Uint8Array,
  fileName: string | null,
  options: ExtractOptions,
): Promise<ExtractedDocument> {
  switch (format) {
    case "pdf":
      return extractPdf(bytes, options);
    case "docx":
      return extractDocx(bytes, options);
    case "pptx":
      return extractPptx(bytes, options);
    case "xlsx":
      return extractXlsx(bytes, options);
    case "odt":
      return extractOdt(bytes, options);
    case "ods":
      return extractOds(bytes, options);
    case "odp":
      return extractOdp(bytes, options);
    case "doc":
      return extractDoc(bytes);
    case "xls":
    case "ppt":
    case "rtf":
      return extractConverted(bytes, format, options);
    case "epub":
      return extractEpub(bytes, options);
    case "eml":
    case "msg":
      return extractMail(bytes, format);
    case "html":
      return extractHtml(bytes);
    case "csv":
      return extractCsv(bytes, fileName);
    case "markdown":
      return extractMarkdown(bytes);
    case "text":
      return extractText(bytes);
    case "image":
      return extractImage(bytes, options);
  }
}
