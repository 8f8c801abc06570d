import type { OcrSettings } from "../config/ocr-settings.js";
import { measureSkew, needsLevelling, turn } from "./deskew.js";
import { pgmParts, type GreyPage } from "./grey-page.js";
import type { RenderedPage } from "./render-pdf-page.js";
import { ocrError, recognizePage, type TesseractInput } from "./recognize-page.js";
import type { RecognizedText } from "./tesseract-tsv.js";

export interface PageRead extends RecognizedText {
  /** Making the image (rendering, decoding) and recognising it, wall time. */
  readonly seconds: number;
}

/**
 * A page for tesseract, levelled first when it is skewed:
 * - `pixels`: grey pixels (an image page decoded), piped to tesseract;
 * - `file`: a rendered PDF page on disk, which tesseract reads by path (see RenderedPage);
 * - `encoded`: a file tesseract decodes itself, as it is (a BMP; a one-page PNG, JPEG or TIFF),
 *   with a small grey copy to measure its skew on and a way to decode it in full should it need
 *   turning. Tesseract decoding the file itself is what running it directly costs; decoding it here
 *   and piping 8 MB of pixels cost 0.2 s of CPU a page more (npm run bench:ocr).
 */
export type PageImage =
  | { readonly kind: "pixels"; readonly pixels: GreyPage }
  | RenderedPage
  | {
      readonly kind: "encoded";
      readonly bytes: Uint8Array;
      readonly sample?: GreyPage;
      readonly decode?: () => Promise<GreyPage>;
    };

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
  let input: TesseractInput;
  try {
    input = await levelled(await image());
  } catch (error) {
    throw ocrError(error, settings.pageTimeoutMs, source);
  }
  const recognized = await recognizePage(input, {
    languages: settings.languages,
    dpi,
    timeoutMs: settings.pageTimeoutMs,
    ...(interrupt ? { interrupt } : {}),
  });
  return { ...recognized, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** What tesseract reads: the page turned level if it is skewed, else the page as it came. */
async function levelled(image: PageImage): Promise<TesseractInput> {
  if (image.kind === "pixels") {
    const skew = measureSkew(image.pixels);
    return pgmParts(needsLevelling(skew) ? await turn(image.pixels, -skew) : image.pixels);
  }
  if (image.kind === "file") {
    const skew = measureSkew(image.sample);
    return needsLevelling(skew) ? pgmParts(await turn(await image.decode(), -skew)) : { path: image.file };
  }
  if (image.sample === undefined || image.decode === undefined) return image.bytes;
  const skew = measureSkew(image.sample);
  return needsLevelling(skew) ? pgmParts(await turn(await image.decode(), -skew)) : image.bytes;
}
