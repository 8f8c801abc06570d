import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";

import sharp from "./sharp.js";

import { runBoundedTool, ToolFailedError } from "../tools/bounded-tool.js";
import { SKEW_SAMPLE_WIDTH } from "./deskew.js";
import type { GreyPage } from "./grey-page.js";

/**
 * A rendered page: the TIFF file tesseract reads by path, a small copy of it to measure its skew on,
 * and its full pixels on demand, should it need turning. Only the sample crosses into the thread:
 * a level page's 8 MB of pixels never do (0.05 s of CPU a page less, npm run bench:ocr).
 */
export interface RenderedPage {
  readonly kind: "as is";
  readonly input: { readonly path: string };
  readonly sample: () => Promise<GreyPage>;
  readonly decode: () => Promise<GreyPage>;
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
  return {
    kind: "as is",
    input: { path: file },
    sample: () => greyPixels(file, limit, SKEW_SAMPLE_WIDTH),
    decode: () => greyPixels(file, limit),
  };
}

/**
 * The TIFF's pixels, one grey byte each, decoded by sharp (nothing to inflate: a copy, in effect),
 * `width` pixels wide when given (nearest neighbour, as for an image's skew sample).
 */
async function greyPixels(file: string, maxPixels: number, width?: number): Promise<GreyPage> {
  let pipeline = sharp(file, { limitInputPixels: maxPixels });
  if (width !== undefined) pipeline = pipeline.resize({ width, withoutEnlargement: true, kernel: "nearest" });
  const { data, info } = await pipeline.toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1)
    throw new ToolFailedError("pdftoppm", "", `wrote ${info.channels} channels, not grey`);
  return { width: info.width, height: info.height, pixels: data };
}
