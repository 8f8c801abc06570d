import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";

import sharp from "./sharp.js";

import { runBoundedTool, ToolFailedError } from "../tools/bounded-tool.js";
import type { GreyPage } from "./grey-page.js";

/** A rendered page: its pixels, and the TIFF file they were read from (tesseract reads it by path). */
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

/** An uncompressed grey TIFF's header, directory and strip offsets: a few KB even for a poster. */
const TIFF_OVERHEAD_BYTES = 64 * 1024;
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
 * One page of the PDF at `pdfPath` as 8-bit grey pixels, by Debian's poppler `pdftoppm` writing an
 * uncompressed grey TIFF beside the PDF (its private directory; each page replaces the last).
 * Uncompressed, not PNG: rendering skips compressing and tesseract skips inflating some 8 MB per A4
 * page at 300 DPI (measured: 0.23 s against 0.76 s a page for pdftoppm's PNG). TIFF, not PGM:
 * tesseract (leptonica) reads the same pixels 0.1 s of CPU a page faster from a TIFF (1.14 s against
 * 1.30 s for a 300 DPI page, three runs each). A file and not a pipe: tesseract reads a level page by
 * its path, so its pixels cross no pipe (0.07 s of the thread's CPU a page less than piping them).
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
      "-tiff",
      "-singlefile",
      pdfPath,
      root,
    ],
    timeoutMs: options.timeoutMs,
    maxOutputBytes: 64 * 1024,
    ...(options.interrupt ? { interrupt: options.interrupt } : {}),
  });
  const file = `${root}.tif`;
  // pdf.js's page size and poppler's can differ by a rounding; a margin covers it.
  const limit = Math.ceil(expectedPixels * 1.05) + TIFF_OVERHEAD_BYTES + ROUNDING_SLACK_BYTES;
  const { size } = await stat(file);
  if (size > limit) throw new ToolFailedError("pdftoppm", "", `wrote ${size} bytes, more than ${limit}`);
  return { kind: "pixels", pixels: await greyPixels(file, limit), file };
}

/** The TIFF's pixels, one grey byte each, decoded by sharp (nothing to inflate: a copy, in effect). */
async function greyPixels(file: string, maxPixels: number): Promise<GreyPage> {
  const { data, info } = await sharp(file, { limitInputPixels: maxPixels })
    .toColourspace("b-w")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1)
    throw new ToolFailedError("pdftoppm", "", `wrote ${info.channels} channels, not grey`);
  return { width: info.width, height: info.height, pixels: data };
}
