import assert from "node:assert/strict";
import { before, describe, it } from "../support/bounded-test.js";

import { DocumentCancelledError } from "../../src/errors/document-cancelled-error.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { extractPdf } from "../../src/extract/extract-pdf.js";
import { pagePixels, renderDpi } from "../../src/ocr/render-pdf-page.js";
import { corruptPdf, makeEncryptedPdf, makePdf } from "../support/document-fixtures.js";
import { PAGE_TEXTS, mixedPdf, textPagePng, withOcr, wordRecall } from "../support/ocr-fixtures.js";

const squash = (text: string): string => text.replace(/\s+/g, " ").trim();

const PAGES = [
  "Welcome to the platform team. This first page is long enough to wrap over several lines, so the " +
    "extractor has to put the words of many drawn lines back together in the order they were written.",
  "Page two covers the on-call rotation: primary and secondary engineers, handover on Mondays at " +
    "10:00 UTC, and escalation to the incident commander after fifteen minutes without acknowledgement.",
  "The third page lists contacts.\n\nPlatform: #platform-help\nSecurity: security@example.com",
];

function assertPermanent(code: string, message: string | RegExp) {
  return (error: unknown): true => {
    assert.ok(error instanceof PermanentError, `expected a PermanentError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

describe("extractPdf", () => {
  it("returns one section per page, numbered from 1, with the text that was drawn", async () => {
    const doc = await extractPdf(await makePdf(PAGES));
    assert.equal(doc.format, "pdf");
    assert.deepEqual(
      doc.sections.map((s) => s.page),
      [1, 2, 3],
    );
    assert.deepEqual(
      doc.sections.map((s) => squash(s.text)),
      PAGES.map(squash),
    );
  });

  it("marks a skipped line as a paragraph break, and wrapped lines as plain line breaks", async () => {
    const long = "This paragraph is long enough that the fixture has to wrap it onto a second line, "
      .repeat(2)
      .trim();
    const doc = await extractPdf(await makePdf([`Title\n\n${long}\nNext line.`]));
    const text = doc.sections[0]?.text ?? "";
    assert.equal(text.split("\n\n").length, 2, text);
    assert.match(text, /^Title\n\nThis paragraph[^\n]+\n[^\n]+\nNext line\.$/);
  });

  it("leaves out pages without text where OCR finds none either, keeping the real page numbers", async () => {
    const doc = await extractPdf(await makePdf(["first", "", "   ", "fourth"]));
    assert.deepEqual(
      doc.sections.map((s) => [s.page, s.text]),
      [
        [1, "first"],
        [4, "fourth"],
      ],
    );
  });

  it("leaves the caller's bytes intact (pdf.js detaches the buffer it is given)", async () => {
    const bytes = await makePdf(["hello"]);
    const before = Buffer.from(bytes);
    await extractPdf(bytes);
    assert.equal(bytes.byteLength, before.length);
    assert.ok(before.equals(bytes));
  });

  it("rejects a corrupt PDF as CORRUPT_FILE", async () => {
    await assert.rejects(extractPdf(corruptPdf()), assertPermanent("CORRUPT_FILE", /^corrupt pdf: .+/));
  });

  it("rejects a password-protected PDF as ENCRYPTED_FILE", async () => {
    const bytes = makeEncryptedPdf("Quarterly figures", "s3cret");
    await assert.rejects(extractPdf(bytes), assertPermanent("ENCRYPTED_FILE", "encrypted pdf"));
  });

  it("reads an encrypted PDF that needs no password to open (owner password only)", async () => {
    const doc = await extractPdf(makeEncryptedPdf("Restricted (no printing) but readable", ""));
    assert.deepEqual(doc.sections, [{ text: "Restricted (no printing) but readable", page: 1 }]);
  });

  it("calls onPage before each page, and a stop thrown there comes out as itself, not CORRUPT_FILE", async () => {
    const seen: Array<[number, number]> = [];
    await assert.rejects(
      extractPdf(await makePdf(PAGES), {
        ...DEFAULT_EXTRACT_OPTIONS,
        maxPages: 10,
        onPage: (page, pages) => {
          seen.push([page, pages]);
          if (page === 2) throw new DocumentCancelledError();
        },
      }),
      (error: unknown) => error instanceof DocumentCancelledError,
    );
    assert.deepEqual(seen, [
      [1, 3],
      [2, 3],
    ]);
  });

  describe("OCR of pages without a text layer", () => {
    let scan: Buffer;

    before(async () => {
      scan = await textPagePng(PAGE_TEXTS[1] ?? "", 150);
    });

    it("OCRs only the image pages of a mixed PDF: text pages keep their text layer", async () => {
      const ocrPages: number[] = [];
      const doc = await extractPdf(
        await mixedPdf([PAGES[0] ?? "", scan, PAGES[2] ?? ""]),
        withOcr({}, { onOcrPage: (report) => ocrPages.push(report.page) }),
      );
      assert.deepEqual(ocrPages, [2]);
      assert.deepEqual(
        doc.sections.map((section) => section.page),
        [1, 2, 3],
      );
      const [first, second, third] = doc.sections;
      assert.equal(squash(first?.text ?? ""), squash(PAGES[0] ?? ""));
      assert.equal(first?.ocrConfidence, undefined);
      assert.equal(third?.text, PAGES[2]);
      assert.ok(wordRecall(PAGE_TEXTS[1] ?? "", second?.text ?? "") >= 0.9, second?.text);
      const confidence = second?.ocrConfidence ?? -1;
      assert.ok(confidence > 0.5 && confidence <= 1, `confidence ${confidence}`);
    });

    it("with OCR_ENABLED=false skips the image pages as before", async () => {
      const doc = await extractPdf(await mixedPdf(["text page", scan]), withOcr({ enabled: false }));
      assert.deepEqual(doc.sections, [{ text: "text page", page: 1 }]);
    });

    it("counts the pages without text first: more than OCR_MAX_PAGES fails before any is rendered", async () => {
      const blank = await makePdf(Array.from({ length: 2_000 }, () => ""));
      const ocrPages: number[] = [];
      await assert.rejects(
        extractPdf(blank, withOcr({}, { onOcrPage: (report) => ocrPages.push(report.page) })),
        assertPermanent("TOO_MANY_PAGES", "pdf has 2000 pages without text, more than OCR_MAX_PAGES=200"),
      );
      assert.deepEqual(ocrPages, []);
    });

    it("a page past OCR_PAGE_TIMEOUT_MS fails the document naming the limit", async () => {
      await assert.rejects(
        extractPdf(await mixedPdf([scan]), withOcr({ pageTimeoutMs: 1 })),
        assertPermanent(
          "OCR_PAGE_TIMEOUT",
          /^(pdftoppm|tesseract) took more than OCR_PAGE_TIMEOUT_MS=1 on one page$/,
        ),
      );
    });

    it("renders a poster-sized page at a DPI lowered to stay within OCR_MAX_IMAGE_PIXELS", () => {
      // US Letter at 300 DPI: 2550 × 3300 pixels, within 100 M; an A0 poster (2384 × 3370 pt) is not.
      assert.equal(renderDpi(612, 792, 300, 100_000_000), 300);
      const dpi = renderDpi(2384, 3370, 300, 100_000_000);
      assert.ok(dpi < 300 && dpi > 250, `dpi ${dpi}`);
      assert.ok(pagePixels(2384, 3370, dpi) <= 100_000_000);
      assert.ok(pagePixels(2384, 3370, dpi + 1) > 100_000_000);
    });
  });
});
