/**
 * Images with known text for the OCR tests, made by the real tools at test time: a page of text set
 * by makePdf (pdf-lib), rasterised by poppler's pdftoppm, converted by ImageMagick (multi-page
 * TIFF, BMP; the tests convert to JPEG, WebP and GIF with sharp). Hostile files are crafted byte by byte:
 * their point is what their headers claim, and no tool would write them.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { deflateSync } from "node:zlib";
import { PDFDocument } from "pdf-lib";

import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "../../src/extract/extract-options.js";
import { makePdf, pngChunk } from "./document-fixtures.js";

const run = promisify(execFile);

/** Sentences of common English words, one per test page: what OCR reads back is compared to them. */
export const PAGE_TEXTS = [
  "The quarterly report shows that revenue grew by twelve percent while costs stayed flat.",
  "Please return the signed contract to the legal department before the end of the month.",
  "The warehouse in the north district will close for maintenance during the first week.",
];

/** Words of a text, lower case, without punctuation: what word accuracy compares. */
export const wordsOf = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");

/** Share of `expected`'s words found, in order, in `actual` (a longest common subsequence). */
export function wordRecall(expected: string, actual: string): number {
  const want = wordsOf(expected);
  const got = wordsOf(actual);
  let previous = new Array<number>(got.length + 1).fill(0);
  for (const word of want) {
    const current = [0];
    for (let j = 1; j <= got.length; j += 1) {
      current[j] =
        got[j - 1] === word ? (previous[j - 1] ?? 0) + 1 : Math.max(previous[j] ?? 0, current[j - 1] ?? 0);
    }
    previous = current;
  }
  return want.length === 0 ? 1 : (previous[got.length] ?? 0) / want.length;
}

/** A page of `text` rendered by pdftoppm at `dpi`, as a grey PNG. */
export async function textPagePng(text: string, dpi = 200): Promise<Buffer> {
  const directory = await mkdtemp(join(tmpdir(), "ocr-fixture-"));
  try {
    const pdf = join(directory, "page.pdf");
    await writeFile(pdf, await makePdf([text]));
    await run("pdftoppm", ["-r", String(dpi), "-gray", "-png", "-singlefile", pdf, join(directory, "page")]);
    return await readFile(join(directory, "page.png"));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** A TIFF with one page per PNG (pages may differ in size), written by ImageMagick. */
export async function multiPageTiff(pages: readonly Buffer[]): Promise<Buffer> {
  return convertWithImageMagick(pages, "pages.tif");
}

/** The PNG as a BMP, written by ImageMagick (sharp writes no BMP). */
export async function bmpOf(png: Buffer): Promise<Buffer> {
  return convertWithImageMagick([png], "page.bmp");
}

async function convertWithImageMagick(pngs: readonly Buffer[], output: string): Promise<Buffer> {
  const directory = await mkdtemp(join(tmpdir(), "ocr-fixture-"));
  try {
    const inputs = await Promise.all(
      pngs.map(async (png, index) => {
        const path = join(directory, `page-${index}.png`);
        await writeFile(path, png);
        return path;
      }),
    );
    // /usr/bin: a /usr/local/bin/convert on some machines is not ImageMagick's.
    await run("/usr/bin/convert", [...inputs, join(directory, output)]);
    return await readFile(join(directory, output));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * A PDF whose pages are, in order, text pages (a string: a text layer, drawn by makePdf) and image
 * pages (a PNG: a scan, no text layer), each US Letter.
 */
export async function mixedPdf(pages: ReadonlyArray<string | Buffer>): Promise<Uint8Array> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  for (const page of pages) {
    if (typeof page === "string") {
      const [copied] = await pdf.copyPages(await PDFDocument.load(await makePdf([page])), [0]);
      if (copied) pdf.addPage(copied);
    } else {
      const image = await pdf.embedPng(page);
      const sheet = pdf.addPage([612, 792]);
      sheet.drawImage(image, { x: 0, y: 0, width: 612, height: 792 });
    }
  }
  return pdf.save();
}

/**
 * A PNG whose header declares `width` × `height` grey pixels, followed by a few hundred bytes of
 * compressed data: decoding it would need the declared size in memory, reading its header does not.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // colour type: grey
  return Buffer.concat([
    Buffer.from("89504e470d0a1a0a", "hex"),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.alloc(64 * 1024))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * A little-endian TIFF of `pages` 1×1 black-and-white pages, all sharing one byte of pixel data:
 * each page is an IFD of 8 entries (126 bytes), so 10,000 pages weigh about 1.2 MB.
 */
export function manyPageTiff(pages: number): Buffer {
  const ENTRIES = 8;
  const IFD_BYTES = 2 + ENTRIES * 12 + 4;
  const PIXEL_OFFSET = 8;
  const firstIfd = PIXEL_OFFSET + 2; // one pixel byte, padded to an even offset
  const bytes = Buffer.alloc(firstIfd + pages * IFD_BYTES);
  bytes.write("II", 0, "latin1");
  bytes.writeUInt16LE(42, 2);
  bytes.writeUInt32LE(firstIfd, 4);
  bytes.writeUInt8(0xff, PIXEL_OFFSET);
  // Tag, type (3 SHORT, 4 LONG), count 1, value: sorted by tag as TIFF requires.
  const entries: Array<[number, number, number]> = [
    [256, 4, 1], // ImageWidth
    [257, 4, 1], // ImageLength
    [258, 3, 1], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 0], // PhotometricInterpretation: white is zero
    [273, 4, PIXEL_OFFSET], // StripOffsets
    [278, 4, 1], // RowsPerStrip
    [279, 4, 1], // StripByteCounts
  ];
  for (let page = 0; page < pages; page += 1) {
    let offset = firstIfd + page * IFD_BYTES;
    bytes.writeUInt16LE(ENTRIES, offset);
    offset += 2;
    for (const [tag, type, value] of entries) {
      bytes.writeUInt16LE(tag, offset);
      bytes.writeUInt16LE(type, offset + 2);
      bytes.writeUInt32LE(1, offset + 4);
      if (type === 3) bytes.writeUInt16LE(value, offset + 8);
      else bytes.writeUInt32LE(value, offset + 8);
      offset += 12;
    }
    bytes.writeUInt32LE(page + 1 < pages ? offset + 4 : 0, offset);
  }
  return bytes;
}

/** Extraction options with OCR on its defaults but for `ocr`, and other options changed by `more`. */
export const withOcr = (
  ocr: Partial<ExtractOptions["ocr"]>,
  more: Partial<ExtractOptions> = {},
): ExtractOptions => ({
  ...DEFAULT_EXTRACT_OPTIONS,
  ...more,
  ocr: { ...DEFAULT_EXTRACT_OPTIONS.ocr, ...ocr },
});
