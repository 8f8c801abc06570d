import { getDocumentProxy } from "unpdf";

import { PermanentError } from "../errors/permanent-error.js";
import { RagworkerError } from "../errors/ragworker-error.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { assertPageCount } from "./page-limit.js";
import { pageText } from "./pdf-page-text.js";

export type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** pdf.js's VerbosityLevel.ERRORS: its warnings ("Indexing all PDF objects"...) go to stdout otherwise. */
const PDFJS_ERRORS_ONLY = 0;

/**
 * One section per page that has text, numbered from 1 as readers count pages, so a chunk can cite
 * its page. Pages without a text layer (scans, images) are skipped: a document made only of those
 * comes back with no sections, and the caller decides what an empty document means. The page count
 * is checked against MAX_PAGES before any page is read.
 */
export async function extractPdf(
  bytes: Uint8Array,
  options: Pick<ExtractOptions, "maxPages" | "onPage"> = DEFAULT_EXTRACT_OPTIONS,
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
      if (text !== "") sections.push({ text, page: pageNumber });
    }
    return { format: "pdf", sections };
  } catch (error) {
    throw asPermanent(error);
  } finally {
    await pdf.destroy();
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
