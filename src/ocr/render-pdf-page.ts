import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";

import { runBoundedTool, ToolFailedError } from "../tools/bounded-tool.js";
import { parsePgm, type GreyPage } from "./grey-page.js";

/** A rendered page: its pixels, and the PGM file they were read from (tesseract reads it by path). */
export interface RenderedPage {
  readonly kind: "pixels";
  readonly pixels: GreyPage;
  readonly file: string;
}

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
 * PGM beside the PDF (its private directory; each page replaces the last). PGM and not PNG:
 * rendering skips compressing and tesseract skips inflating some 8 MB per A4 page at 300 DPI
 * (measured: 0.23 s against 0.76 s a page for pdftoppm's PNG). A file and not a pipe: tesseract
 * reads a level page by its path, so its pixels cross no pipe (measured: 0.07 s of the thread's
 * CPU a page less than piping them through it).
 */
export async function renderPdfPage(
  pdfPath: string,
  pageNumber: number,
  expectedPixels: number,
  options: RenderOptions,
): Promise<RenderedPage> {
  const page = String(pageNumber);
  const root = join(dirname(pdfPath), "page");
  await runBoundedTool({
    command: "pdftoppm",
    // The crop box, as pdf.js measured the page (its `view`), not the larger media box.
    args: [
      "-f",
      page,
      "-l",
      page,
      "-r",
      String(options.dpi),
      "-cropbox",
      "-gray",
      "-singlefile",
      pdfPath,
      root,
    ],
    timeoutMs: options.timeoutMs,
    maxOutputBytes: 64 * 1024,
    ...(options.interrupt ? { interrupt: options.interrupt } : {}),
  });
  const file = `${root}.pgm`;
  // pdf.js's page size and poppler's can differ by a rounding; a margin covers it.
  const limit = Math.ceil(expectedPixels * 1.05) + PGM_HEADER_BYTES + ROUNDING_SLACK_BYTES;
  const { size } = await stat(file);
  if (size > limit) throw new ToolFailedError("pdftoppm", "", `wrote ${size} bytes, more than ${limit}`);
  return { kind: "pixels", pixels: parsePgm(await readFile(file)), file };
}
