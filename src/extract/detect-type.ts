import { fileTypeFromBuffer } from "file-type";

import { PermanentError } from "../errors/permanent-error.js";
import { sniffCsvDelimiter } from "./csv-dialect.js";
import { decodeText, detectEncoding } from "./decode-text.js";
import { compoundFormat } from "./compound-file.js";
import { looksLikeMailHeaders } from "./mail-headers.js";

export type DetectedFormat =
  | "pdf"
  | "docx"
  | "pptx"
  | "xlsx"
  | "odt"
  | "ods"
  | "odp"
  | "doc"
  | "xls"
  | "ppt"
  | "rtf"
  | "epub"
  | "eml"
  | "msg"
  | "html"
  | "csv"
  | "markdown"
  | "text"
  | "image";

export interface DetectedType {
  readonly format: DetectedFormat;
  /** Canonical MIME type of what the bytes are, not what the uploader said. */
  readonly mime: string;
  /** The declared MIME type contradicts the bytes; the caller logs it, the bytes win. */
  readonly declaredMimeMismatch: boolean;
}

export const PDF_MIME = "application/pdf";
export const DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
export const PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
export const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const ODT_MIME = "application/vnd.oasis.opendocument.text";
export const ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet";
export const ODP_MIME = "application/vnd.oasis.opendocument.presentation";
export const DOC_MIME = "application/msword";
export const XLS_MIME = "application/vnd.ms-excel";
export const PPT_MIME = "application/vnd.ms-powerpoint";
export const MSG_MIME = "application/vnd.ms-outlook";
export const RTF_MIME = "application/rtf";
export const EPUB_MIME = "application/epub+zip";
export const EML_MIME = "message/rfc822";
export const HTML_MIME = "text/html";
export const CSV_MIME = "text/csv";
export const MARKDOWN_MIME = "text/markdown";
export const TEXT_MIME = "text/plain";

/** Raster images, read by OCR: the kinds Tesseract's image library decodes, TIFF with many pages too. */
export const IMAGE_MIMES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/tiff",
  "image/bmp",
  "image/webp",
  "image/gif",
]);

/**
 * Formats file-type recognises by their container (a zip's [Content_Types].xml, the ODF or EPUB
 * mimetype entry) or their signature ("{\\rtf").
 */
const FORMAT_BY_SNIFFED_MIME: ReadonlyMap<string, DetectedFormat> = new Map([
  [DOCX_MIME, "docx"],
  [PPTX_MIME, "pptx"],
  [XLSX_MIME, "xlsx"],
  [ODT_MIME, "odt"],
  [ODS_MIME, "ods"],
  [ODP_MIME, "odp"],
  [EPUB_MIME, "epub"],
  [RTF_MIME, "rtf"],
]);

/** Enough to judge text vs binary without scanning a large file twice. */
const TEXT_SNIFF_BYTES = 8 * 1024;
/** Control characters a text file may hold now and then (a form feed, an escape sequence in a log). */
const MAX_CONTROL_SHARE = 0.01;

const MARKDOWN_DECLARED = new Set(["text/markdown", "text/x-markdown"]);
const MARKDOWN_NAME = /\.(?:md|markdown)$/i;
const HTML_DECLARED = new Set(["text/html", "application/xhtml+xml"]);
const HTML_NAME = /\.(?:html?|xhtml)$/i;
const CSV_DECLARED = new Set([
  "text/csv",
  "application/csv",
  "text/comma-separated-values",
  "text/tab-separated-values",
]);
const CSV_NAME = /\.(?:csv|tsv)$/i;
const EML_NAME = /\.eml$/i;
/** An HTML document announces itself, after an optional XML declaration and comments. */
const HTML_START = /^(?:\s|<\?xml[^>]*>|<!--[\s\S]*?-->)*<(?:!doctype\s+html|html)[\s>]/i;

/**
 * file-type also recognises some formats by ASCII signatures ("BM" is a bitmap, "MZ" an executable,
 * "solid " an STL model, "BEGIN:VCARD" a vCard...), so a prose file that happens to start that way
 * would be refused. When the bytes are clean text we ingest them as text anyway, except for these
 * formats, which are text only in encoding: their content needs a parser we do not have
 * (PostScript) or is ciphertext (PGP). RTF, text in encoding too, has its own extractor.
 */
const TEXT_ENCODED_FORMATS_REFUSED = new Set(["ps", "eps", "pgp"]);

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
  "application/csv",
  "application/xhtml+xml",
]);

const MIME_BY_FORMAT: Readonly<Record<DetectedFormat, string>> = {
  pdf: PDF_MIME,
  docx: DOCX_MIME,
  pptx: PPTX_MIME,
  xlsx: XLSX_MIME,
  odt: ODT_MIME,
  ods: ODS_MIME,
  odp: ODP_MIME,
  doc: DOC_MIME,
  xls: XLS_MIME,
  ppt: PPT_MIME,
  rtf: RTF_MIME,
  epub: EPUB_MIME,
  eml: EML_MIME,
  msg: MSG_MIME,
  html: HTML_MIME,
  csv: CSV_MIME,
  markdown: MARKDOWN_MIME,
  text: TEXT_MIME,
  image: "image/png",
};

/**
 * Decide what the bytes really are. Uploaders' MIME types are often wrong (a PDF sent as text/plain,
 * a markdown file as application/octet-stream), and trusting them would hand a parser the wrong
 * input, so the bytes decide the format. The declared type and the file name only choose among
 * text formats the bytes cannot tell apart (markdown, CSV and HTML without a doctype are all valid
 * plain text), and tell an e-mail saved as text from other text. An OLE compound file is told
 * apart by its streams (compound-file.ts); one sealed with a password is refused here as encrypted,
 * since no extractor could read it.
 */
export async function detectType(
  bytes: Uint8Array,
  declaredMime: string | null,
  fileName: string | null,
): Promise<DetectedType> {
  const declared = normalizeMime(declaredMime);
  // A byte order mark is checked first: file-type reads the UTF-16LE one (FF FE) as an MPEG frame.
  const bomText = hasByteOrderMark(bytes) ? textHead(bytes) : null;
  if (bomText !== null) return result(textFormat(bomText, bytes, declared, fileName), declared);

  const sniffed = await sniff(bytes);
  if (sniffed?.mime === PDF_MIME) return result("pdf", declared);
  const known = sniffed === undefined ? undefined : FORMAT_BY_SNIFFED_MIME.get(sniffed.mime);
  if (known !== undefined) return result(known, declared);
  if (sniffed?.ext === "cfb") return result(compoundFormat(bytes), declared);

  const refused = sniffed !== undefined && TEXT_ENCODED_FORMATS_REFUSED.has(sniffed.ext);
  const head = refused ? null : textHead(bytes);
  if (head !== null) return result(textFormat(head, bytes, declared, fileName), declared);
  // A mail whose 8-bit body is not text we can decode is still a mail, when it is declared or named one.
  if (sniffed === undefined && claimsMail(declared, fileName)) return result("eml", declared);
  // After the text check: "BM" starting a line of prose is a bitmap's signature to file-type.
  if (sniffed !== undefined && IMAGE_MIMES.has(sniffed.mime)) {
    // The image's own kind, not one canonical type: the OCR step and the logs tell a TIFF from a PNG.
    return { ...result("image", declared), mime: sniffed.mime };
  }

  const mime = sniffed?.mime ?? "application/octet-stream";
  throw new PermanentError("UNSUPPORTED_TYPE", `unsupported type: ${mime}`, {
    detectedMime: mime,
    declaredMime: declared || undefined,
  });
}

/**
 * file-type parses containers (it reads a zip's entries to tell DOCX from XLSX), so a damaged
 * container can make it throw: the file is then corrupt, for good, whatever it claims to be.
 */
async function sniff(bytes: Uint8Array): Promise<Awaited<ReturnType<typeof fileTypeFromBuffer>>> {
  try {
    return await fileTypeFromBuffer(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PermanentError("CORRUPT_FILE", `corrupt file: ${reason}`, {}, { cause: error });
  }
}

/** "Text/Markdown; charset=UTF-8" and "text/markdown" are the same claim. */
export function normalizeMime(mime: string | null): string {
  if (mime === null) return "";
  return (mime.split(";", 1)[0] ?? "").trim().toLowerCase();
}

/**
 * Which text format: HTML when the content says so, else the declared type or the file name, else
 * CSV when the first rows form a table, else plain text.
 */
function textFormat(
  head: string,
  bytes: Uint8Array,
  declared: string,
  fileName: string | null,
): DetectedFormat {
  if (HTML_START.test(head)) return "html";
  if (claimsMail(declared, fileName)) return "eml";
  if (HTML_DECLARED.has(declared) || nameMatches(fileName, HTML_NAME)) return "html";
  if (CSV_DECLARED.has(declared) || nameMatches(fileName, CSV_NAME)) return "csv";
  if (MARKDOWN_DECLARED.has(declared) || nameMatches(fileName, MARKDOWN_NAME)) return "markdown";
  if (looksLikeMailHeaders(head)) return "eml";
  const claimsNothingElse = NO_CLAIM_MIMES.has(declared) || declared === TEXT_MIME;
  if (claimsNothingElse && fileName === null && sniffCsvDelimiter(head, head.length >= bytes.length)) {
    return "csv";
  }
  return "text";
}

function claimsMail(declared: string, fileName: string | null): boolean {
  return declared === EML_MIME || nameMatches(fileName, EML_NAME);
}

function nameMatches(fileName: string | null, pattern: RegExp): boolean {
  return fileName !== null && pattern.test(fileName);
}

/**
 * The decoded first 8 KB when they are text: no NUL, and control characters (other than
 * whitespace) or undecodable bytes at most 1% of the characters. UTF-16 without a BOM is full of
 * NULs and fails on purpose: without a BOM its byte order is a guess.
 */
function textHead(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, TEXT_SNIFF_BYTES);
  const encoding = detectEncoding(head);
  if (encoding === "utf-8" || encoding === "windows-1252") {
    if (head.includes(0)) return null;
  }
  const { text } = decodeText(head, encoding);
  let suspicious = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0) return null;
    const control = (code < 0x20 && !"\t\n\r\f\v\u001b".includes(char)) || (code >= 0x7f && code < 0xa0);
    if (control || code === 0xfffd) suspicious += 1;
  }
  return suspicious <= Math.max(1, MAX_CONTROL_SHARE * text.length) ? text : null;
}

function hasByteOrderMark(bytes: Uint8Array): boolean {
  const [first, second, third] = bytes;
  if (first === 0xef && second === 0xbb && third === 0xbf) return true;
  return (first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff);
}

function result(format: DetectedFormat, declared: string): DetectedType {
  return { format, mime: MIME_BY_FORMAT[format], declaredMimeMismatch: contradicts(declared, format) };
}

function contradicts(declared: string, format: DetectedFormat): boolean {
  if (NO_CLAIM_MIMES.has(declared)) return false;
  switch (format) {
    case "pdf":
      // application/x-pdf is the pre-registration name some old clients still send.
      return declared !== PDF_MIME && declared !== "application/x-pdf";
    case "docx":
    case "pptx":
    case "xlsx":
    case "odt":
    case "ods":
    case "odp":
    case "doc":
    case "xls":
    case "ppt":
    case "msg":
    case "epub":
      return declared !== MIME_BY_FORMAT[format];
    case "rtf":
      // text/rtf is RTF's older registration, still sent by mail clients and browsers.
      return declared !== RTF_MIME && declared !== "text/rtf";
    case "eml":
      // A saved mail is text: text/plain describes it as honestly as message/rfc822.
      return declared !== EML_MIME && declared !== TEXT_MIME;
    case "image":
      return !declared.startsWith("image/");
    case "html":
    case "csv":
    case "markdown":
    case "text":
      // Markdown is plain text and YAML or JSON are text too: a binary claim contradicts, and so does
      // a claim of another specific text format than the one the bytes turned out to be.
      return !isTextualMime(declared) || claimsOtherTextFormat(declared, format);
  }
}

function claimsOtherTextFormat(declared: string, format: DetectedFormat): boolean {
  if (HTML_DECLARED.has(declared)) return format !== "html";
  if (CSV_DECLARED.has(declared)) return format !== "csv";
  if (MARKDOWN_DECLARED.has(declared)) return format !== "markdown";
  return false;
}

function isTextualMime(mime: string): boolean {
  return (
    mime.startsWith("text/") ||
    TEXTUAL_APPLICATION_MIMES.has(mime) ||
    mime.endsWith("+json") ||
    mime.endsWith("+xml")
  );
}
