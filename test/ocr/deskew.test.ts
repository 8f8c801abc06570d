/** Skew measured and corrected on a page of text rendered by pdftoppm and turned by sharp. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { before, describe, it } from "../support/bounded-test.js";

import { deskew, measureSkew } from "../../src/ocr/deskew.js";
import { openImage } from "../../src/ocr/image-pages.js";
import { pgmParts, type GreyPage } from "../../src/ocr/grey-page.js";
import { PAGE_TEXTS, textPagePng } from "../support/ocr-fixtures.js";

/** The PNG's pixels turned clockwise by `degrees`, white in the corners, as grey. */
async function turned(png: Buffer, degrees: number): Promise<GreyPage> {
  const { data, info } = await sharp(png)
    .rotate(degrees, { background: { r: 255, g: 255, b: 255 } })
    .toColourspace("b-w")
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: data };
}

describe("deskew", () => {
  let png: Buffer;

  before(async () => {
    png = await textPagePng(PAGE_TEXTS.join("\n\n").repeat(3), 150);
  });

  it("measures a page turned by ±3° or 1.5° to within a tenth of a degree, a level page as 0", async () => {
    for (const degrees of [3, -3, 1.5, 0]) {
      const measured = measureSkew(await turned(png, degrees));
      assert.ok(Math.abs(measured - degrees) <= 0.1, `turned ${degrees}°, measured ${measured}°`);
    }
  });

  it("turns a skewed page level, and leaves a level or blank page as it is", async () => {
    const levelled = await deskew(await turned(png, -3));
    assert.ok(Math.abs(measureSkew(levelled)) <= 0.1);
    const level = await turned(png, 0);
    assert.equal(await deskew(level), level);
    const blank: GreyPage = { width: 300, height: 400, pixels: new Uint8Array(300 * 400).fill(255) };
    assert.equal(measureSkew(blank), 0);
  });
});

describe("image pages for OCR", () => {
  it("a one-page PNG goes to tesseract as it is, with an 800-pixel sample that measures its skew", async () => {
    const page = await textPagePng(PAGE_TEXTS.join("\n\n").repeat(3), 300);
    const tilted = await sharp(page)
      .rotate(-3, { background: { r: 255, g: 255, b: 255 } })
      .png()
      .toBuffer();
    const image = await openImage(tilted, { maxImagePixels: 100_000_000, maxPages: 10 });
    const prepared = await image.page(0);
    assert.equal(prepared.kind, "as is");
    if (prepared.kind !== "as is") return;
    assert.equal(prepared.input, tilted);
    const sample = await prepared.sample?.();
    assert.equal(sample?.width, 800);
    assert.ok(Math.abs(measureSkew(sample ?? { width: 0, height: 0, pixels: new Uint8Array() }) + 3) <= 0.1);
    const full = await prepared.decode?.();
    assert.ok((full?.width ?? 0) > 2_000, "decoded in full when it must be turned");
  });

  it("a page with transparency is decoded here (on white), not given to tesseract as it is", async () => {
    const transparent = await sharp({
      create: { width: 200, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const prepared = await (await openImage(transparent, { maxImagePixels: 100_000, maxPages: 1 })).page(0);
    assert.equal(prepared.kind, "pixels");
    if (prepared.kind === "pixels") assert.ok(prepared.pixels.pixels.every((value) => value === 255));
  });
});

describe("PGM", () => {
  it("writes a page as a binary PGM header and its pixels as they are, not copied", () => {
    const page: GreyPage = { width: 3, height: 2, pixels: Uint8Array.from([0, 50, 100, 150, 200, 255]) };
    const [header, pixels] = pgmParts(page);
    assert.equal(Buffer.from(header).toString("latin1"), "P5\n3 2\n255\n");
    assert.equal(pixels, page.pixels);
  });
});
