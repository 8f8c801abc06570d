/**
 * OCR accuracy (issue 17, item 2): scans and photos of known source texts, made by real tools
 * (scripts/make-ocr-corpus.sh: pandoc + LibreOffice set the pages, pdftoppm rasterises them,
 * ImageMagick adds noise, skew and JPEG loss, img2pdf wraps them back into PDFs) go through the
 * real extraction path (extractDocument with OCR on, eng+spa) and must come back with each source
 * page's words on its own page number: clean 300 DPI ≥ 95 % word accuracy, noisy or 150 DPI
 * ≥ 85 % (test/support/word-accuracy.ts says how words are normalized and counted).
 *
 * The per-kind table is printed at the end; run this file alone to get it:
 *   node --import tsx --test test/extract/ocr-accuracy.test.ts
 */
import assert from "node:assert/strict";
import { after, describe, it } from "../support/bounded-test.js";

import { OCR_DEFAULTS } from "../../src/config/ocr-settings.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "../../src/extract/extract-options.js";
import { OCR_CORPUS, readCorpusFile, sourcePages, type OcrCorpusFile } from "../support/ocr-corpus.js";
import { normalizedWords, wordAccuracy, wordEditDistance } from "../support/word-accuracy.js";

const OPTIONS: ExtractOptions = {
  ...DEFAULT_EXTRACT_OPTIONS,
  ocr: { ...OCR_DEFAULTS, enabled: true, languages: "eng+spa" },
};

interface FileResult {
  readonly file: OcrCorpusFile;
  readonly pages: number;
  readonly sourceWords: number;
  readonly accuracy: number;
  readonly worstPage: number;
  readonly meanConfidence: number;
  readonly seconds: number;
}
const results: FileResult[] = [];

const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;

function accuracyTable(rows: readonly FileResult[]): string {
  const lines = [
    "| kind of file | file | pages | source words | word accuracy | worst page | threshold | mean confidence | seconds |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (row) =>
        `| ${row.file.kind} | ${row.file.fileName} | ${row.pages} | ${row.sourceWords} | ${percent(row.accuracy)} | ` +
        `${percent(row.worstPage)} | ≥ ${percent(row.file.minAccuracy)} | ${percent(row.meanConfidence)} | ${row.seconds.toFixed(1)} |`,
    ),
  ];
  return lines.join("\n");
}

describe("OCR accuracy on the generated scan corpus", () => {
  after(() => {
    if (results.length > 0)
      console.log(`\nOCR word accuracy (eng+spa, OCR_DPI 300)\n${accuracyTable(results)}\n`);
  });

  it("counts a missed, an extra and a misread word as one edit each, accents and case as the measure says", () => {
    const source = "¿Es prudente endeudarse ahora? La cosecha no espera.";
    assert.deepEqual(normalizedWords(source), [
      "es",
      "prudente",
      "endeudarse",
      "ahora",
      "la",
      "cosecha",
      "no",
      "espera",
    ]);
    assert.equal(wordAccuracy("es PRUDENTE endeudarse ahora la cosecha no espera", source).accuracy, 1);
    assert.equal(wordEditDistance(["a", "b", "c"], ["a", "c"]), 1);
    assert.equal(wordEditDistance(["a", "c"], ["a", "b", "c"]), 1);
    assert.equal(wordEditDistance(["a", "x", "c"], ["a", "b", "c"]), 1);
    // An accent lost is a misread word; a page of nothing scores 0, a page of garbage cannot go below.
    assert.equal(wordAccuracy("Es prudente endeudarse ahora La cosecha no espéra", source).edits, 1);
    assert.equal(wordAccuracy("", source).accuracy, 0);
    assert.equal(wordAccuracy(`${source} `.repeat(3), source).accuracy, 0);
  });

  for (const file of OCR_CORPUS) {
    it(`${file.fileName}: each source page on its page number, word accuracy ≥ ${percent(file.minAccuracy)}`, async () => {
      const pages = await sourcePages(file.source);
      const started = performance.now();
      const { document } = await extractDocument(
        await readCorpusFile(file.fileName),
        null,
        file.fileName,
        OPTIONS,
      );
      const seconds = (performance.now() - started) / 1000;

      let edits = 0;
      let sourceWords = 0;
      let worstPage = 1;
      const failures: string[] = [];
      for (const section of document.sections) {
        const expected = pages[(file.sourcePages[(section.page ?? 0) - 1] ?? 0) - 1] ?? "";
        const measured = wordAccuracy(section.text, expected);
        edits += measured.edits;
        sourceWords += measured.sourceWords;
        worstPage = Math.min(worstPage, measured.accuracy);
        if (measured.accuracy < file.minAccuracy) {
          failures.push(
            `page ${section.page}: ${percent(measured.accuracy)} (${measured.edits} edits)\n${section.text}`,
          );
        }
      }
      const confidences = document.sections.map((section) => section.ocrConfidence);
      results.push({
        file,
        pages: document.sections.length,
        sourceWords,
        accuracy: Math.max(0, 1 - edits / Math.max(sourceWords, 1)),
        worstPage,
        meanConfidence:
          confidences.reduce<number>((sum, value) => sum + (value ?? 0), 0) / Math.max(confidences.length, 1),
        seconds,
      });

      assert.equal(document.format, file.fileName.endsWith(".pdf") ? "pdf" : "image");
      assert.deepEqual(
        document.sections.map((section) => section.page),
        file.sourcePages.map((_, index) => index + 1),
        "one section per page, numbered from 1",
      );
      for (const [index, confidence] of confidences.entries()) {
        assert.ok(
          confidence !== undefined && confidence > 0 && confidence <= 1,
          `page ${index + 1}: ocrConfidence ${confidence}`,
        );
      }
      assert.deepEqual(failures, [], `${file.fileName}: pages under ${percent(file.minAccuracy)}`);
    });
  }
});
