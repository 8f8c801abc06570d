import { PermanentError } from "../errors/permanent-error.js";

/**
 * Refuse a document with more pages (PDF pages, slides, sheets) than MAX_PAGES before reading them:
 * the count is in the file's header, and a 50,000-page file would otherwise hold a thread for long
 * only to fail on the chunk limit later. Retrying cannot make it shorter, so it is permanent.
 */
export function assertPageCount(count: number, maxPages: number, unit: "pages" | "slides" | "sheets"): void {
  if (count <= maxPages) return;
  throw new PermanentError("TOO_MANY_PAGES", `too many ${unit}: ${count} > MAX_PAGES=${maxPages}`, {
    count,
    limit: maxPages,
    unit,
  });
}
