import type { OcrSettings } from "../config/ocr-settings.js";
import { measureSkew, needsLevelling, turn } from "./deskew.js";
import { pgmParts, type GreyPage } from "./grey-page.js";
import { ocrError, recognizePage, type TesseractInput } from "./recognize-page.js";
import type { RecognizedText } from "./tesseract-tsv.js";

export interface PageRead extends RecognizedText {
  /** Making the image (rendering, decoding) and recognising it, wall time. */
  readonly seconds: number;
}

/**
 * A page for tesseract:
 * - `pixels`: grey pixels (an image page decoded here), piped to tesseract, levelled first if skewed;
 * - `as is`: what tesseract reads itself, a file by path (a rendered PDF page, see RenderedPage) or
 *   encoded bytes on stdin (a BMP; a one-page PNG, JPEG or TIFF), with a way to make a small grey
 *   sample to measure its skew on and to decode it in full should it need turning. Tesseract
 *   decoding the file itself is what running it directly costs; decoding it here and piping 8 MB of
 *   pixels cost 0.2 s of CPU a page more (npm run bench:ocr).
 */
export type PageImage =
  | { readonly kind: "pixels"; readonly pixels: GreyPage }
  | {
      readonly kind: "as is";
      readonly input: { readonly path: string } | Uint8Array;
      readonly sample?: () => Promise<GreyPage>;
      readonly decode?: () => Promise<GreyPage>;
    };

/** The skew measure found the page tilted: the read of it as it was is stopped. */
class SupersededRead extends Error {
  constructor() {
    super("superseded by a read of the page turned level");
    this.name = "SupersededRead";
  }
}

/**
 * One page through OCR: its image made by `image` (a PDF page rendered, an image page decoded),
 * turned level if it is skewed, then read by tesseract, timed as a whole for the metrics. `source`
 * names what a tool failing to make the image could not read.
 *
 * A page tesseract reads as it is starts being read at once, while its skew is measured beside it:
 * most pages are level, and the measure (a sample decoded, about 50 ms) then costs no wall time.
 * A skewed page stops that read (within the tool's poll interval) and is read again, turned.
 */
export async function readPage(
  image: () => Promise<PageImage>,
  source: "image" | "pdf page",
  dpi: number | null,
  settings: Pick<OcrSettings, "languages" | "pageTimeoutMs">,
  interrupt?: () => void,
): Promise<PageRead> {
  const started = process.hrtime.bigint();
  const recognize = (input: TesseractInput, stopIf?: () => void): Promise<RecognizedText> =>
    recognizePage(input, {
      languages: settings.languages,
      dpi,
      timeoutMs: settings.pageTimeoutMs,
      interrupt: () => {
        interrupt?.();
        stopIf?.();
      },
    });
  const made = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      throw ocrError(error, settings.pageTimeoutMs, source);
    }
  };
  const page = await made(image);
  const timed = (recognized: RecognizedText): PageRead => ({
    ...recognized,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  });
  if (page.kind === "pixels") {
    const skew = measureSkew(page.pixels);
    const level = needsLevelling(skew) ? await made(() => turn(page.pixels, -skew)) : page.pixels;
    return timed(await recognize(pgmParts(level)));
  }
  const { sample, decode } = page;
  if (sample === undefined || decode === undefined) return timed(await recognize(page.input));
  let superseded = false;
  const asItIs = recognize(page.input, () => {
    if (superseded) throw new SupersededRead();
  });
  // Handled from now on, so that a read failing while the skew is measured is not taken for an
  // unhandled rejection: its outcome is awaited below either way.
  asItIs.catch(() => undefined);
  let turned: TesseractInput | null = null;
  try {
    const skew = measureSkew(await made(sample));
    if (needsLevelling(skew)) {
      superseded = true;
      turned = pgmParts(await made(async () => turn(await decode(), -skew)));
    }
  } catch (error) {
    superseded = true;
    // The page could not be measured or turned: that error is the page's. The read beside it is
    // stopped and waited for (its tool must not outlive the page), its outcome moot.
    await asItIs.catch(() => undefined);
    throw error;
  }
  if (turned === null) return timed(await asItIs);
  // Moot as well, whatever it ended with: the page is read again below, turned level.
  await asItIs.catch(() => undefined);
  return timed(await recognize(turned));
}
