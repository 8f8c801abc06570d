import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { parseTesseractTsv } from "../../src/ocr/tesseract-tsv.js";

const HEADER =
  "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";
const word = (block: number, paragraph: number, line: number, confidence: number, text: string): string =>
  `5\t1\t${block}\t${paragraph}\t${line}\t1\t0\t0\t10\t10\t${confidence}\t${text}`;
const layout = (level: number, block: number): string => `${level}\t1\t${block}\t0\t0\t0\t0\t0\t10\t10\t-1\t`;

describe("parseTesseractTsv", () => {
  it("rebuilds lines and paragraphs from the block, paragraph and line numbers", () => {
    const tsv = [
      HEADER,
      layout(1, 0),
      layout(2, 1),
      word(1, 1, 1, 90, "Invoice"),
      word(1, 1, 1, 80, "42"),
      word(1, 1, 2, 70, "due"),
      word(1, 2, 1, 60, "Total:"),
      word(2, 1, 1, 100, "Página"),
      "",
    ].join("\n");
    const read = parseTesseractTsv(tsv);
    assert.equal(read.text, "Invoice 42\ndue\n\nTotal:\n\nPágina");
    assert.equal(read.words, 5);
    assert.equal(read.confidence, 0.8);
  });

  it("ignores rows without a confidence (-1) and words that are only spaces", () => {
    const tsv = [
      HEADER,
      word(1, 1, 1, -1, "ghost"),
      word(1, 1, 1, 95, " "),
      word(1, 1, 1, 95.5, "kept"),
    ].join("\n");
    assert.deepEqual(parseTesseractTsv(tsv), { text: "kept", confidence: 0.955, words: 1 });
  });

  it("a page without words: no text, no confidence", () => {
    assert.deepEqual(parseTesseractTsv(`${HEADER}\n${layout(1, 0)}\n`), {
      text: "",
      confidence: null,
      words: 0,
    });
  });

  it("refuses output without tesseract's columns rather than reading the wrong ones", () => {
    assert.throws(() => parseTesseractTsv("level\ttext\n5\thello"), /without the expected columns/);
  });
});
