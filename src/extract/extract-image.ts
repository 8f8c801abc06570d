import { PermanentError } from "../errors/permanent-error.js";
import { openImage } from "../ocr/image-pages.js";
import { readPage } from "../ocr/read-page.js";
import type { ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";

/**
 * Raster images (PNG, JPEG, TIFF, BMP, WebP, GIF): text comes only from OCR, one section per page
 * where OCR reads text (a TIFF's pages numbered from 1; other images have one page). The header is checked
 * against OCR_MAX_IMAGE_PIXELS and OCR_MAX_PAGES before any pixel is decoded. With OCR_ENABLED=false
 * an image is refused as unsupported: nothing else could read it.
 */
export async function extractImage(bytes: Uint8Array, options: ExtractOptions): Promise<ExtractedDocument> {
  const { ocr } = options;
  if (!ocr.enabled) {
    throw new PermanentError("UNSUPPORTED_TYPE", "unsupported type: image (OCR_ENABLED=false)", {
      bytes: bytes.length,
    });
  }
  const image = await openImage(bytes, { maxImagePixels: ocr.maxImagePixels, maxPages: ocr.maxPages });
  const sections: ExtractedSection[] = [];
  for (let index = 0; index < image.pages; index += 1) {
    const page = index + 1;
    options.onPage?.(page, image.pages);
    const read = await readPage(() => image.page(index), "image", image.dpi, ocr, options.interrupt);
    options.onOcrPage?.({ page, seconds: read.seconds, words: read.words });
    if (read.text !== "" && read.confidence !== null) {
      sections.push({ text: read.text, page, ocrConfidence: read.confidence });
    }
  }
  return { format: "image", sections };
}
