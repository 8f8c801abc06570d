/** A page as 8-bit grey pixels, one byte each, row after row. */
export interface GreyPage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * The pixels of a binary PGM ("P5", maxval 255), as pdftoppm -gray writes it. Its header is three
 * whitespace-separated numbers after the magic (comments are not written by pdftoppm and not read).
 */
export function parsePgm(bytes: Uint8Array): GreyPage {
  const fields: number[] = [];
  let offset = 2;
  if (bytes[0] !== 0x50 || bytes[1] !== 0x35) throw new Error("not a binary PGM (P5)");
  while (fields.length < 3 && offset < bytes.length) {
    while (offset < bytes.length && isSpace(bytes[offset])) offset += 1;
    let value = 0;
    let digits = 0;
    while (offset < bytes.length && isDigit(bytes[offset])) {
      value = value * 10 + ((bytes[offset] ?? 0) - 0x30);
      offset += 1;
      digits += 1;
    }
    if (digits === 0) throw new Error("PGM header without its numbers");
    fields.push(value);
  }
  // One whitespace byte ends the header.
  offset += 1;
  const [width = 0, height = 0, maxValue = 0] = fields;
  if (maxValue !== 255) throw new Error(`PGM with maxval ${maxValue}, not 255`);
  const pixels = bytes.subarray(offset, offset + width * height);
  if (pixels.length !== width * height) throw new Error("PGM shorter than its header says");
  return { width, height, pixels };
}

/**
 * The page as a binary PGM, what tesseract reads fastest (nothing to inflate), in two parts: its
 * header and its pixels as they are, so that 8 MB of pixels are not copied only to join them.
 */
export function pgmParts(page: GreyPage): [Uint8Array, Uint8Array] {
  return [Buffer.from(`P5\n${page.width} ${page.height}\n255\n`, "latin1"), page.pixels];
}

const isSpace = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39;
