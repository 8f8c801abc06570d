import type { OcrSettings } from "../config/ocr-settings.js";
import { deskew } from "./deskew.js";
import { toPgm, type GreyPage } from "./grey-page.js";
import { ocrError, recognizePage } from "./recognize-page.js";
import type { RecognizedText } from "./tesseract-tsv.js";

export interface PageRead extends RecognizedText {
  /** Making the image (rendering, decoding) and recognising it, wall time. */
  readonly seconds: number;
}

/** A page for tesseract: grey pixels (levelled first), or a file it reads as it is (a BMP). */
export type PageImage = GreyPage | Uint8Array;

/**
 * One page through OCR: its image made by `image` (a PDF page rendered, an image page decoded),
 * turned level if it is skewed, then read by tesseract, timed as a whole for the metrics. `source`
 * names what a tool failing to make the image could not read.
 */
export async function readPage(
  image: () => Promise<PageImage>,
  source: "image" | "pdf page",
  dpi: number | null,
  settings: Pick<OcrSettings, "languages" | "pageTimeoutMs">,
  interrupt?: () => void,
): Promise<PageRead> {
  const started = process.hrtime.bigint();
  let pixels: Uint8Array;
  try {
    const made = await image();
    pixels = made instanceof Uint8Array ? made : toPgm(await deskew(made));
  } catch (error) {
    throw ocrError(error, settings.pageTimeoutMs, source);
  }
  const recognized = await recognizePage(pixels, {
    languages: settings.languages,
    dpi,
    timeoutMs: settings.pageTimeoutMs,
    ...(interrupt ? { interrupt } : {}),
  });
  return { ...recognized, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
