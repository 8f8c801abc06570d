import { getDocumentProxy } from "unpdf";

import { PermanentError } from "../errors/permanent-error.js";
import { RagworkerError } from "../errors/ragworker-error.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { assertPageCount } from "./page-limit.js";
import { pageText } from "./pdf-page-text.js";
import { withPrivateFile } from "../tools/private-temp-file.js";
import { readPage } from "../ocr/read-page.js";
import { pagePixels, renderDpi, renderPdfPage } from "../ocr/render-pdf-page.js";

export type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** pdf.js's VerbosityLevel.ERRORS: its warnings ("Indexing all PDF objects"...) go to stdout otherwise. */
const PDFJS_ERRORS_ONLY = 0;

/**
 * One section per page that has text, numbered from 1 as readers count pages, so a chunk can cite
 * its page. Pages with a text layer keep it; with OCR enabled, the pages without one (scans,
 * images) are rendered and read by OCR, and only those: a mixed PDF is OCR'd on its image pages.
 * Without OCR, those pages are skipped, and a document made only of them comes back with no
 * sections (the caller decides what an empty document means). The page count is checked against
 * MAX_PAGES before any page is read, the count of pages to OCR against OCR_MAX_PAGES before any is
 * rendered.
 */
export async function extractPdf(
  bytes: Uint8Array,
  options: Pick<
    ExtractOptions,
    "maxPages" | "onPage" | "ocr" | "interrupt" | "onOcrPage"
  > = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const pdf = await open(bytes);
  try {
    assertPageCount(pdf.numPages, options.maxPages, "pages");
    const sections: ExtractedSection[] = [];
    // One page at a time, releasing each: unpdf's extractText runs Promise.all over every page and so
    // holds every page's parsed content at once, a memory spike on a 500-page manual.
    for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber += 1) {
      options.onPage?.(pageNumber, pdf.numPages);
      const text = (await pageText(pdf, pageNumber)).trim();
      sections.push({ text, page: pageNumber });
    }
    const withoutText = sections.filter((section) => section.text === "").map((section) => section.page ?? 0);
    const read =
      options.ocr.enabled && withoutText.length > 0
        ? await ocrPages(pdf, bytes, withoutText, options)
        : new Map<number, ExtractedSection>();
    return {
      format: "pdf",
      sections: sections
        .map((section) => read.get(section.page ?? 0) ?? section)
        .filter((section) => section.text !== ""),
    };
  } catch (error) {
    throw asPermanent(error);
  } finally {
    await pdf.destroy();
  }
}

/**
 * The pages without a text layer, rendered by pdftoppm from a private copy of the file and read by
 * tesseract, one at a time (one tool running per thread), the progress callback told before each.
 */
async function ocrPages(
  pdf: PdfDocument,
  bytes: Uint8Array,
  pageNumbers: readonly number[],
  options: Pick<ExtractOptions, "onPage" | "ocr" | "interrupt" | "onOcrPage">,
): Promise<Map<number, ExtractedSection>> {
  const { ocr } = options;
  if (pageNumbers.length > ocr.maxPages) {
    throw new PermanentError(
      "TOO_MANY_PAGES",
      `pdf has ${pageNumbers.length} pages without text, more than OCR_MAX_PAGES=${ocr.maxPages}`,
      { count: pageNumbers.length, limit: ocr.maxPages, unit: "pages" },
    );
  }
  const read = new Map<number, ExtractedSection>();
  await withPrivateFile(bytes, "document.pdf", { code: "OCR_UNAVAILABLE", prefix: "ocr" }, async (path) => {
    for (const pageNumber of pageNumbers) {
      options.onPage?.(pageNumber, pdf.numPages);
      const { width, height } = await pageSize(pdf, pageNumber);
      const dpi = renderDpi(width, height, ocr.dpi, ocr.maxImagePixels);
      const render = {
        dpi,
        timeoutMs: ocr.pageTimeoutMs,
        ...(options.interrupt ? { interrupt: options.interrupt } : {}),
      };
      const page = await readPage(
        () => renderPdfPage(path, pageNumber, pagePixels(width, height, dpi), render),
        "pdf page",
        dpi,
        ocr,
        options.interrupt,
      );
      options.onOcrPage?.({ page: pageNumber, seconds: page.seconds, words: page.words });
      if (page.text !== "" && page.confidence !== null) {
        read.set(pageNumber, { text: page.text, page: pageNumber, ocrConfidence: page.confidence });
      }
    }
  });
  return read;
}

/** The page's size in PDF points as it is shown (its crop box, turned by its rotation). */
async function pageSize(pdf: PdfDocument, pageNumber: number): Promise<{ width: number; height: number }> {
  const page = await pdf.getPage(pageNumber);
  try {
    const { width, height } = page.getViewport({ scale: 1 });
    return { width, height };
  } finally {
    page.cleanup();
  }
}

async function open(bytes: Uint8Array): Promise<PdfDocument> {
  try {
    // pdf.js takes ownership of the buffer it is given and detaches it (its byteLength drops to 0),
    // so it gets a copy: the caller's bytes may still be needed, e.g. to hash or to retry.
    return await getDocumentProxy(new Uint8Array(bytes), { verbosity: PDFJS_ERRORS_ONLY });
  } catch (error) {
    throw asPermanent(error);
  }
}

/**
 * Anything pdf.js throws while reading is about the file (bad structure, broken streams), so it is
 * permanent: retrying the same bytes fails the same way. A password is the exception worth naming,
 * since the fix is on the uploader's side. pdf.js signals it with a PasswordException (code 1: no
 * password given, 2: wrong password); it is matched by name because unpdf bundles its own pdf.js,
 * whose classes are not ours to import.
 */
function asPermanent(error: unknown): RagworkerError {
  // Already decided: a limit of ours, or a stop the pipeline asked for between pages.
  if (error instanceof RagworkerError) return error;
  if (error instanceof Error && error.name === "PasswordException") {
    return new PermanentError("ENCRYPTED_FILE", "encrypted pdf", {}, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new PermanentError("CORRUPT_FILE", `corrupt pdf: ${reason}`, {}, { cause: error });
}
