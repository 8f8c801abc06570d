/** A page as 8-bit grey pixels, one byte each, row after row. */
export interface GreyPage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * The page as a binary PGM, for a page turned level, piped to tesseract (nothing to inflate), in two parts: its
 * header and its pixels as they are, so that 8 MB of pixels are not copied only to join them.
 */
export function pgmParts(page: GreyPage): [Uint8Array, Uint8Array] {
  return [Buffer.from(`P5\n${page.width} ${page.height}\n255\n`, "latin1"), page.pixels];
}
