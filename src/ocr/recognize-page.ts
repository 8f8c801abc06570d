import { PermanentError } from "../errors/permanent-error.js";
import { TransientError } from "../errors/transient-error.js";
import {
  runBoundedTool,
  ToolFailedError,
  ToolMissingError,
  ToolTimeoutError,
} from "../tools/bounded-tool.js";
import { parseTesseractTsv, type RecognizedText } from "./tesseract-tsv.js";

export interface RecognizeOptions {
  /** Tesseract's `-l`, e.g. `eng+spa` (OCR_LANGUAGES). */
  readonly languages: string;
  /** The image's resolution when known; without it tesseract estimates one from the text's size. */
  readonly dpi: number | null;
  /** OCR_PAGE_TIMEOUT_MS. */
  readonly timeoutMs: number;
  readonly interrupt?: () => void;
}

/** A page's TSV runs to a few hundred kilobytes; far more is not a page anyone scanned. */
const MAX_TSV_BYTES = 64 * 1024 * 1024;

/**
 * One page image (PNG, PGM, JPEG, TIFF, BMP, GIF or WebP bytes, whole or in parts) through Debian's tesseract, fed on
 * stdin, TSV read from stdout. OMP_THREAD_LIMIT=1: one page uses one core, the pool's threads are
 * the parallelism (tesseract's OpenMP threads would fight them for the same cores).
 */
/** A page for tesseract: a file it reads by path, or bytes (whole or in parts) it reads on stdin. */
export type TesseractInput = { readonly path: string } | Uint8Array | readonly Uint8Array[];

export async function recognizePage(
  image: TesseractInput,
  options: RecognizeOptions,
): Promise<RecognizedText> {
  const path = isFile(image) ? image.path : null;
  const args = [path ?? "stdin", "stdout", "-l", options.languages];
  if (options.dpi !== null) args.push("--dpi", String(options.dpi));
  args.push("tsv");
  let tsv: Uint8Array;
  try {
    tsv = await runBoundedTool({
      command: "tesseract",
      args,
      ...(isFile(image) ? {} : { stdin: image }),
      timeoutMs: options.timeoutMs,
      maxOutputBytes: MAX_TSV_BYTES,
      env: { OMP_THREAD_LIMIT: "1" },
      ...(options.interrupt ? { interrupt: options.interrupt } : {}),
    });
  } catch (error) {
    throw ocrError(error, options.timeoutMs, "image");
  }
  return parseTesseractTsv(Buffer.from(tsv).toString("utf8"));
}

const isFile = (image: TesseractInput): image is { readonly path: string } =>
  !(image instanceof Uint8Array) && !Array.isArray(image);

/** Tesseract's words when a language it was asked for is not installed. */
const MISSING_LANGUAGE = /Failed loading language|Could not initialize tesseract|Error opening data file/i;

/**
 * What a failed run means for the document: a missing tool or language is the worker's fault
 * (retryable: another worker, or this one fixed, reads the file); a page past its time limit, or an
 * image tesseract cannot read, would fail the same way every time (permanent).
 */
export function ocrError(error: unknown, timeoutMs: number, what: "image" | "pdf page"): unknown {
  if (error instanceof ToolTimeoutError) {
    return new PermanentError(
      "OCR_PAGE_TIMEOUT",
      `${error.command} took more than OCR_PAGE_TIMEOUT_MS=${timeoutMs} on one page`,
      { command: error.command, limit: timeoutMs },
      { cause: error },
    );
  }
  if (
    error instanceof ToolMissingError ||
    (error instanceof ToolFailedError && MISSING_LANGUAGE.test(error.stderr))
  ) {
    return new TransientError(
      "OCR_UNAVAILABLE",
      `OCR unavailable on this worker: ${error.message} (Debian packages tesseract-ocr, its language packages, poppler-utils; or OCR_ENABLED=false)`,
      {},
      { cause: error },
    );
  }
  if (error instanceof ToolFailedError) {
    return new PermanentError("CORRUPT_FILE", `corrupt ${what}: ${error.message}`, {}, { cause: error });
  }
  return error;
}
