import { runBoundedTool } from "./bounded-tool.js";
import { parsePgm, type GreyPage } from "./grey-page.js";

export interface RenderOptions {
  readonly dpi: number;
  /** OCR_PAGE_TIMEOUT_MS: rendering one page has the same limit as reading it. */
  readonly timeoutMs: number;
  readonly interrupt?: () => void;
}

/** A PGM header is a few dozen bytes ("P5\n<width> <height>\n255\n"). */
const PGM_HEADER_BYTES = 64;
const ROUNDING_SLACK_BYTES = 65_536;
const POINTS_PER_INCH = 72;

/**
 * The DPI to render a page of this size (PDF points) at: OCR_DPI, lowered just enough that the
 * image stays within `maxPixels` (a poster-sized page at 300 DPI would be gigabytes of pixels).
 * At least 1.
 */
export function renderDpi(widthPoints: number, heightPoints: number, dpi: number, maxPixels: number): number {
  const pixelsAt = (at: number): number => pagePixels(widthPoints, heightPoints, at);
  if (pixelsAt(dpi) <= maxPixels) return dpi;
  let lowered = Math.floor(dpi * Math.sqrt(maxPixels / pixelsAt(dpi)));
  while (lowered > 1 && pixelsAt(lowered) > maxPixels) lowered -= 1;
  return Math.max(1, lowered);
}

/** Pixels of a page of this size (PDF points) rendered at `dpi`. */
export function pagePixels(widthPoints: number, heightPoints: number, dpi: number): number {
  return Math.ceil((widthPoints / POINTS_PER_INCH) * dpi) * Math.ceil((heightPoints / POINTS_PER_INCH) * dpi);
}

/**
 * One page of the PDF at `pdfPath` as 8-bit grey pixels, by Debian's poppler `pdftoppm` writing a
 * PGM. PGM and not PNG: rendering skips compressing and tesseract skips inflating some 8 MB per
 * A4 page at 300 DPI (measured: 0.23 s against 0.76 s a page for pdftoppm's PNG).
 */
export async function renderPdfPage(
  pdfPath: string,
  pageNumber: number,
  expectedPixels: number,
  options: RenderOptions,
): Promise<GreyPage> {
  const page = String(pageNumber);
  const pgm = await runBoundedTool({
    command: "pdftoppm",
    // The crop box, as pdf.js measured the page (its `view`), not the larger media box.
    args: ["-f", page, "-l", page, "-r", String(options.dpi), "-cropbox", "-gray", "-singlefile", pdfPath],
    timeoutMs: options.timeoutMs,
    // pdf.js's page size and poppler's can differ by a rounding; a margin covers it.
    maxOutputBytes: Math.ceil(expectedPixels * 1.05) + PGM_HEADER_BYTES + ROUNDING_SLACK_BYTES,
    ...(options.interrupt ? { interrupt: options.interrupt } : {}),
  });
  return parsePgm(pgm);
}
