import { fileTypeFromBuffer } from "file-type";

import { PermanentError } from "../errors/permanent-error.js";

export type DetectedFormat = "pdf" | "docx" | "markdown" | "text";

export interface DetectedType {
  readonly format: DetectedFormat;
  /** Canonical MIME type of what the bytes are, not what the uploader said. */
  readonly mime: string;
  /** The declared MIME type contradicts the bytes; the caller logs it, the bytes win. */
  readonly declaredMimeMismatch: boolean;
}

export const PDF_MIME = "application/pdf";
export const DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
export const MARKDOWN_MIME = "text/markdown";
export const TEXT_MIME = "text/plain";

/** Enough to judge text vs binary without scanning a large file twice. */
const TEXT_SNIFF_BYTES = 8 * 1024;

const MARKDOWN_DECLARED = new Set(["text/markdown", "text/x-markdown"]);
const MARKDOWN_NAME = /\.(?:md|markdown)$/i;

/**
 * file-type also recognises some formats by ASCII signatures ("BM" is a bitmap, "MZ" an executable,
 * "solid " an STL model, "BEGIN:VCARD" a vCard...), so a prose file that happens to start that way
 * would be refused. When the bytes are clean UTF-8 we ingest them as text anyway, except for these
 * formats, which are text only in encoding: their content needs a parser we do not have (RTF,
 * PostScript) or is ciphertext (PGP).
 */
const TEXT_ENCODED_FORMATS_REFUSED = new Set(["rtf", "ps", "eps", "pgp"]);

/** Declarations that claim nothing: browsers and HTTP clients send them for any unknown file. */
const NO_CLAIM_MIMES = new Set([
  "",
  "application/octet-stream",
  "binary/octet-stream",
  "application/unknown",
]);

/** Declared types that are honest descriptions of text content, even if not text/plain. */
const TEXTUAL_APPLICATION_MIMES = new Set([
  "application/json",
  "application/xml",
  "application/yaml",
  "application/x-yaml",
  "application/javascript",
  "application/x-sh",
  "application/sql",
]);

/**
 * Decide what the bytes really are. Uploaders' MIME types are often wrong (a PDF sent as text/plain,
 * a markdown file as application/octet-stream), and trusting them would hand a parser the wrong
 * input, so only the bytes decide the format; the declared type only tells markdown from plain text,
 * which the bytes cannot.
 */
export async function detectType(
  bytes: Uint8Array,
  declaredMime: string | null,
  fileName: string | null,
): Promise<DetectedType> {
  const declared = normalizeMime(declaredMime);
  const sniffed = await fileTypeFromBuffer(bytes);

  if (sniffed?.mime === PDF_MIME) return result("pdf", PDF_MIME, declared);
  if (sniffed?.mime === DOCX_MIME) return result("docx", DOCX_MIME, declared);

  const refused = sniffed !== undefined && TEXT_ENCODED_FORMATS_REFUSED.has(sniffed.ext);
  if (!refused && looksLikeText(bytes)) {
    const markdown = MARKDOWN_DECLARED.has(declared) || (fileName !== null && MARKDOWN_NAME.test(fileName));
    return markdown ? result("markdown", MARKDOWN_MIME, declared) : result("text", TEXT_MIME, declared);
  }

  const mime = sniffed?.mime ?? "application/octet-stream";
  throw new PermanentError("UNSUPPORTED_TYPE", `unsupported type: ${mime}`, {
    detectedMime: mime,
    declaredMime: declared || undefined,
  });
}

/** "Text/Markdown; charset=UTF-8" and "text/markdown" are the same claim. */
export function normalizeMime(mime: string | null): string {
  if (mime === null) return "";
  return (mime.split(";", 1)[0] ?? "").trim().toLowerCase();
}

/**
 * Text when the first 8 KB hold no NUL byte and are valid UTF-8 (ASCII included). A multi-byte
 * character cut at the 8 KB boundary is not an error, hence the streaming decode. Legacy 8-bit
 * encodings and UTF-16 fail this test on purpose: the text extractor decodes UTF-8 only.
 */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, TEXT_SNIFF_BYTES);
  if (head.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: head.length < bytes.length });
    return true;
  } catch {
    return false;
  }
}

function result(format: DetectedFormat, mime: string, declared: string): DetectedType {
  return { format, mime, declaredMimeMismatch: contradicts(declared, format) };
}

function contradicts(declared: string, format: DetectedFormat): boolean {
  if (NO_CLAIM_MIMES.has(declared)) return false;
  switch (format) {
    case "pdf":
      // application/x-pdf is the pre-registration name some old clients still send.
      return declared !== PDF_MIME && declared !== "application/x-pdf";
    case "docx":
      return declared !== DOCX_MIME;
    case "markdown":
    case "text":
      // Markdown is plain text and CSV, YAML or JSON are text too: only a binary claim contradicts.
      return !isTextualMime(declared);
  }
}

function isTextualMime(mime: string): boolean {
  return (
    mime.startsWith("text/") ||
    TEXTUAL_APPLICATION_MIMES.has(mime) ||
    mime.endsWith("+json") ||
    mime.endsWith("+xml")
  );
}
