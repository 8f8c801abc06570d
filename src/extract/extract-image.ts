import { PermanentError } from "../errors/permanent-error.js";
import type { ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument } from "./extracted-document.js";

/** Raster images (PNG, JPEG, TIFF, BMP, WebP, GIF): text comes only from OCR. Placeholder until OCR lands. */
export async function extractImage(bytes: Uint8Array, options: ExtractOptions): Promise<ExtractedDocument> {
  void options;
  throw new PermanentError("UNSUPPORTED_TYPE", "unsupported type: image (OCR is not built yet)", {
    bytes: bytes.length,
  });
}
