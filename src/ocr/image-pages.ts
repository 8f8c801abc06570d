import type { Metadata } from "sharp";

import sharp from "./sharp.js";

import { PermanentError } from "../errors/permanent-error.js";
import { readBmpHeader } from "./bmp-header.js";
import { SKEW_SAMPLE_WIDTH } from "./deskew.js";
import type { GreyPage } from "./grey-page.js";
import type { PageImage } from "./read-page.js";

// libvips' own threads would compete with the pool's threads for the same cores, and its operation
// cache would keep decoded pages alive between documents in a process that runs for weeks.
sharp.concurrency(1);
sharp.cache(false);

export interface ImageLimits {
  /** OCR_MAX_IMAGE_PIXELS: width × height of one page, at most. */
  readonly maxImagePixels: number;
  /** OCR_MAX_PAGES. */
  readonly maxPages: number;
}

/** An image opened for OCR: its pages, each handed out as bytes tesseract reads. */
export interface ImagePages {
  /** sharp's name for the format (png, jpeg, tiff, gif, webp), or bmp. */
  readonly format: string;
  readonly pages: number;
  /** The resolution the file records, when it records a plausible one. */
  readonly dpi: number | null;
  /** Page `index` (from 0) for tesseract (see PageImage); throws CORRUPT_FILE or IMAGE_TOO_LARGE. */
  page(index: number): Promise<PageImage>;
}

/** Formats sharp reads that detection routes here; others (SVG, HEIF...) are not images we OCR. */
const SHARP_FORMATS: ReadonlySet<string> = new Set(["png", "jpeg", "tiff", "gif", "webp"]);
/**
 * One-page files tesseract decodes as well as libvips does: they go to it as they are (see
 * PageImage), unless they have transparency (tesseract would not put it on white).
 */
const AS_IS_FORMATS: ReadonlySet<string> = new Set(["png", "jpeg", "tiff"]);
/** Only TIFF has pages; a GIF's or WebP's frames are one picture over time, so only the first is read. */
const PAGED_FORMATS: ReadonlySet<string> = new Set(["tiff"]);
const MIN_PLAUSIBLE_DPI = 70;
const MAX_PLAUSIBLE_DPI = 2400;

/**
 * Reads the image's header only (no pixel is decoded) and refuses, before any work, an image whose
 * first page declares more than `maxImagePixels` or that has more than `maxPages` pages. Later pages
 * of a TIFF may be larger than the first: each is held to the same limit as it is decoded.
 */
export async function openImage(bytes: Uint8Array, limits: ImageLimits): Promise<ImagePages> {
  const bmp = readBmpHeader(bytes);
  if (bmp) {
    checkPixels(bmp.width, bmp.height, limits.maxImagePixels);
    // No skew measured: libvips does not read BMP. Tesseract does.
    return {
      format: "bmp",
      pages: 1,
      dpi: plausibleDpi(bmp.dpi),
      page: async () => ({ kind: "as is", input: bytes }),
    };
  }
  let metadata: Metadata;
  try {
    // No pixel limit here: the header is all that is read, and the check below names the setting.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw corrupt(error);
  }
  const format = metadata.format;
  if (!SHARP_FORMATS.has(format)) {
    throw new PermanentError("UNSUPPORTED_TYPE", `unsupported type: ${format} image`, { format });
  }
  checkPixels(metadata.width, metadata.pageHeight ?? metadata.height, limits.maxImagePixels);
  const pages = PAGED_FORMATS.has(format) ? (metadata.pages ?? 1) : 1;
  if (pages > limits.maxPages) {
    throw new PermanentError(
      "TOO_MANY_PAGES",
      `too many pages to OCR: ${pages} > OCR_MAX_PAGES=${limits.maxPages}`,
      { count: pages, limit: limits.maxPages, unit: "pages" },
    );
  }
  return {
    format,
    pages,
    dpi: plausibleDpi(metadata.density ?? null),
    page: async (index) => {
      const decode = (width?: number): Promise<GreyPage> =>
        decodeGrey(bytes, index, limits.maxImagePixels, width);
      if (pages === 1 && AS_IS_FORMATS.has(format) && metadata.hasAlpha !== true) {
        return {
          kind: "as is",
          input: bytes,
          sample: () => decode(SKEW_SAMPLE_WIDTH),
          decode: () => decode(),
        };
      }
      return { kind: "pixels", pixels: await decode() };
    },
  };
}

/**
 * Page `index` decoded by sharp into grey pixels (transparency as white paper), `width` pixels wide
 * when given (a sample to measure skew on: libvips shrinks a JPEG as it decodes it). Throws
 * IMAGE_TOO_LARGE for a page past the limit, CORRUPT_FILE for one libvips cannot decode.
 */
async function decodeGrey(
  bytes: Uint8Array,
  index: number,
  maxPixels: number,
  width?: number,
): Promise<GreyPage> {
  try {
    let pipeline = sharp(bytes, { page: index, pages: 1, limitInputPixels: maxPixels });
    // Nearest neighbour for the sample: half the CPU of the default Lanczos (24 against 43-54 ms for a
    // 300 DPI page), and the skew measure needs only where the dark rows run, not smooth strokes.
    if (width !== undefined)
      pipeline = pipeline.resize({ width, withoutEnlargement: true, kernel: "nearest" });
    const { data, info } = await pipeline
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace("b-w")
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, pixels: data };
  } catch (error) {
    if (error instanceof Error && /exceeds pixel limit/.test(error.message)) {
      throw new PermanentError(
        "IMAGE_TOO_LARGE",
        `image page ${index + 1} too large: more than OCR_MAX_IMAGE_PIXELS=${maxPixels} pixels`,
        { page: index + 1, limit: maxPixels },
        { cause: error },
      );
    }
    throw corrupt(error);
  }
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (pixels <= maxPixels) return;
  throw new PermanentError(
    "IMAGE_TOO_LARGE",
    `image too large: ${width} × ${height} = ${pixels} pixels > OCR_MAX_IMAGE_PIXELS=${maxPixels}`,
    { width, height, limit: maxPixels },
  );
}

function plausibleDpi(dpi: number | null): number | null {
  if (dpi === null || dpi < MIN_PLAUSIBLE_DPI || dpi > MAX_PLAUSIBLE_DPI) return null;
  return Math.round(dpi);
}

function corrupt(error: unknown): PermanentError {
  const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return new PermanentError("CORRUPT_FILE", `corrupt image: ${reason}`, {}, { cause: error });
}
