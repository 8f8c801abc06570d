/** Images through real OCR (Debian's tesseract), images made by pdftoppm, sharp and ImageMagick. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { before, describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import { extractImage } from "../../src/extract/extract-image.js";
import {
  PAGE_TEXTS,
  bmpOf,
  manyPageTiff,
  multiPageTiff,
  pngDeclaring,
  textPagePng,
  wordRecall,
  withOcr,
} from "../support/ocr-fixtures.js";

function permanent(code: string, message: RegExp) {
  return (error: unknown): true => {
    assert.ok(error instanceof PermanentError, `expected a PermanentError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}

describe("extractImage (OCR)", () => {
  let pages: Buffer[];

  before(async () => {
    pages = await Promise.all(PAGE_TEXTS.map((text) => textPagePng(text)));
  });

  it("reads PNG, JPEG, BMP, WebP and GIF pages: their text, page 1, a confidence between 0 and 1", async () => {
    const png = pages[0] ?? Buffer.alloc(0);
    const files: Record<string, Buffer> = {
      png,
      jpeg: await sharp(png).jpeg({ quality: 80 }).toBuffer(),
      bmp: await bmpOf(png),
      webp: await sharp(png).webp({ quality: 90 }).toBuffer(),
      gif: await sharp(png).gif().toBuffer(),
    };
    for (const [kind, bytes] of Object.entries(files)) {
      const { document, detected } = await extractDocument(bytes, null, `page.${kind}`);
      assert.equal(detected.format, "image", kind);
      assert.equal(document.format, "image");
      assert.equal(document.sections.length, 1, kind);
      const [section] = document.sections;
      assert.equal(section?.page, 1);
      assert.ok(wordRecall(PAGE_TEXTS[0] ?? "", section?.text ?? "") >= 0.9, `${kind}: ${section?.text}`);
      const confidence = section?.ocrConfidence ?? -1;
      assert.ok(confidence > 0.5 && confidence <= 1, `${kind} confidence ${confidence}`);
    }
  });

  it("reads every page of a multi-page TIFF, numbered from 1, telling onPage and onOcrPage of each", async () => {
    const seen: Array<[number, number]> = [];
    const reports: number[] = [];
    const document = await extractImage(
      await multiPageTiff(pages),
      withOcr(
        {},
        {
          onPage: (page, count) => seen.push([page, count]),
          onOcrPage: (report) => {
            assert.ok(report.seconds > 0);
            reports.push(report.page);
          },
        },
      ),
    );
    assert.deepEqual(
      document.sections.map((section) => section.page),
      [1, 2, 3],
    );
    document.sections.forEach((section, index) =>
      assert.ok(wordRecall(PAGE_TEXTS[index] ?? "", section.text) >= 0.9, section.text),
    );
    assert.deepEqual(seen, [
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    assert.deepEqual(reports, [1, 2, 3]);
  });

  it("with OCR_ENABLED=false refuses an image as unsupported, naming the setting", async () => {
    await assert.rejects(
      extractImage(pages[0] ?? Buffer.alloc(0), withOcr({ enabled: false })),
      permanent("UNSUPPORTED_TYPE", /OCR_ENABLED=false/),
    );
  });

  it("refuses an image declaring 50,000 × 50,000 pixels from its header, without decoding it", async () => {
    const rssBefore = process.memoryUsage().rss;
    await assert.rejects(
      extractDocument(pngDeclaring(50_000, 50_000), "image/png", "huge.png"),
      permanent("IMAGE_TOO_LARGE", /50000 × 50000 = 2500000000 pixels > OCR_MAX_IMAGE_PIXELS=100000000$/),
    );
    // Decoding would need 2.5 GB; reading the header needs next to nothing.
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 256 * 1024 * 1024, `the process grew by ${grown} bytes`);
  });

  it("refuses a TIFF of 10,000 pages naming OCR_MAX_PAGES, before reading any page", async () => {
    const ocrPages: number[] = [];
    await assert.rejects(
      extractImage(manyPageTiff(10_000), withOcr({}, { onOcrPage: (report) => ocrPages.push(report.page) })),
      permanent("TOO_MANY_PAGES", /^too many pages to OCR: 10000 > OCR_MAX_PAGES=200$/),
    );
    assert.deepEqual(ocrPages, []);
  });

  it("holds every TIFF page to OCR_MAX_IMAGE_PIXELS, not only the first", async () => {
    const square = (side: number): Promise<Buffer> =>
      sharp({ create: { width: side, height: side, channels: 3, background: "white" } })
        .png()
        .toBuffer();
    const tiff = await multiPageTiff([await square(100), await square(400)]);
    const read: number[] = [];
    await assert.rejects(
      extractImage(
        tiff,
        withOcr({ maxImagePixels: 100_000 }, { onOcrPage: (report) => read.push(report.page) }),
      ),
      permanent("IMAGE_TOO_LARGE", /^image page 2 too large: more than OCR_MAX_IMAGE_PIXELS=100000 pixels$/),
    );
    assert.deepEqual(read, [1], "the first page, within the limit, was read");
    await assert.rejects(
      extractImage(await square(400), withOcr({ maxImagePixels: 100_000 })),
      permanent("IMAGE_TOO_LARGE", /400 × 400 = 160000 pixels > OCR_MAX_IMAGE_PIXELS=100000$/),
    );
  });

  it("reports a corrupt image as CORRUPT_FILE: a truncated PNG, a GIF that is only a header", async () => {
    const png = pages[0] ?? Buffer.alloc(0);
    await assert.rejects(
      extractDocument(png.subarray(0, Math.floor(png.length / 2)), "image/png", "cut.png"),
      permanent("CORRUPT_FILE", /^corrupt image: /),
    );
    await assert.rejects(
      extractDocument(Buffer.from("GIF89a\x10\x00\x10\x00garbage", "latin1"), "image/gif", "bad.gif"),
      permanent("CORRUPT_FILE", /^corrupt image: /),
    );
  });

  it("a page past OCR_PAGE_TIMEOUT_MS fails the image naming the limit (tesseract killed)", async () => {
    await assert.rejects(
      extractImage(pages[0] ?? Buffer.alloc(0), withOcr({ pageTimeoutMs: 1 })),
      permanent("OCR_PAGE_TIMEOUT", /^tesseract took more than OCR_PAGE_TIMEOUT_MS=1 on one page$/),
    );
  });

  it("a stop thrown by interrupt while tesseract runs comes out as itself", async () => {
    const stop = new Error("drain deadline");
    await assert.rejects(
      extractImage(
        pages[0] ?? Buffer.alloc(0),
        withOcr(
          {},
          {
            interrupt: () => {
              throw stop;
            },
          },
        ),
      ),
      (error: unknown) => error === stop,
    );
  });
});
