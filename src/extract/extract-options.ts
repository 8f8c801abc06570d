import { CONVERSION_DEFAULTS } from "../config/conversion-settings.js";
import { LIMIT_DEFAULTS } from "../config/limit-settings.js";
import { OCR_DEFAULTS, type OcrSettings } from "../config/ocr-settings.js";

/** What one OCR'd page cost, for the metrics (rag_worker_ocr_pages_total, rag_worker_ocr_seconds). */
export interface OcrPageReport {
  readonly page: number;
  /** Rendering (PDF) or decoding (image) plus recognition, wall time. */
  readonly seconds: number;
  readonly words: number;
}

/** Limits that extraction enforces itself, because only the parser sees pages and archive entries. */
export interface ExtractOptions {
  /** More PDF pages, slides or sheets than this: TOO_MANY_PAGES (config MAX_PAGES). */
  readonly maxPages: number;
  /** Office files (zip archives): more bytes once inflated than this is a bomb (MAX_ARCHIVE_UNCOMPRESSED_BYTES). */
  readonly maxUncompressedBytes: number;
  /** Office files: an entry inflating more than this many times its compressed size is a bomb (MAX_ARCHIVE_COMPRESSION_RATIO). */
  readonly maxCompressionRatio: number;
  /** Office files: more entries than this is not a document anyone wrote (a bomb of many small files). */
  readonly maxArchiveEntries: number;
  /** Time limit of one LibreOffice conversion (.xls, .ppt, .rtf): LIBREOFFICE_TIMEOUT_MS. */
  readonly libreofficeTimeoutMs: number;
  /**
   * Called before each PDF page is read, with its number and the page count: the pipeline reports
   * its progress there and may throw to stop (a cancel, the drain), which extraction passes on.
   */
  readonly onPage?: (page: number, pages: number) => void;
  /**
   * OCR of PDF pages without a text layer and of images (OCR_ENABLED, OCR_LANGUAGES, OCR_MAX_PAGES,
   * OCR_PAGE_TIMEOUT_MS, OCR_DPI, OCR_MAX_IMAGE_PIXELS).
   */
  readonly ocr: OcrSettings;
  /**
   * Polled while an OCR tool runs (a page can take seconds): throwing stops it, the tool is killed
   * and the error passed on. The pipeline's checkpoint (a cancel, the drain, the time limit).
   */
  readonly interrupt?: () => void;
  /** Told about each page OCR read, after it was read. */
  readonly onOcrPage?: (report: OcrPageReport) => void;
}

/** The configuration's defaults (MAX_PAGES, MAX_ARCHIVE_*, OCR_*...), declared in config/*-settings.ts. */
export const DEFAULT_EXTRACT_OPTIONS: ExtractOptions = {
  maxPages: LIMIT_DEFAULTS.maxPages,
  maxUncompressedBytes: LIMIT_DEFAULTS.maxArchiveUncompressedBytes,
  maxCompressionRatio: LIMIT_DEFAULTS.maxArchiveCompressionRatio,
  maxArchiveEntries: 10_000,
  libreofficeTimeoutMs: CONVERSION_DEFAULTS.libreofficeTimeoutMs,
  ocr: OCR_DEFAULTS,
};
