import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { MAX_ODS_FILLED_CELLS, extractOds } from "../../src/extract/extract-ods.js";
import { makeOdf, odsCell } from "../support/format-fixtures.js";

const row = (cells: string, rows = 1): string =>
  `<table:table-row${rows === 1 ? "" : ` table:number-rows-repeated="${rows}"`}>${cells}</table:table-row>`;
const sheet = (name: string, rows: string): string =>
  `<table:table table:name="${name}">${rows}</table:table>`;

describe("extractOds", () => {
  it("reads each sheet's rows labelled with the header row, on its sheet number, named", async () => {
    const ods = makeOdf(
      "spreadsheet",
      sheet("Staff", row(odsCell("Name") + odsCell("City")) + row(odsCell("Zoë") + odsCell("Zürich"))) +
        sheet("Empty", "") +
        sheet("Stock", row(odsCell("Item") + odsCell("Count")) + row(odsCell("Laptop") + odsCell("42"))),
    );
    const { document } = await extractDocument(ods, null, "book.ods");
    assert.equal(document.format, "ods");
    assert.deepEqual(document.sections, [
      { text: "Name: Zoë; City: Zürich", page: 1, headingPath: ["Staff"] },
      { text: "Item: Laptop; Count: 42", page: 3, headingPath: ["Stock"] },
    ]);
  });

  it("expands repeated cells and rows, and leaves a merged range's covered cells empty", async () => {
    const ods = makeOdf(
      "spreadsheet",
      sheet(
        "S",
        row(odsCell("A") + odsCell("B") + odsCell("C")) +
          row(odsCell("same", 2) + "<table:covered-table-cell/>", 2) +
          row(odsCell("x") + odsCell("", 3) + odsCell("y")),
      ),
    );
    const document = await extractOds(ods);
    assert.equal(document.sections[0]?.text, "A: same; B: same\nA: same; B: same\nA: x; Column 5: y");
  });

  it("reads Calc's padding (a million empty rows, 16,384 empty columns) without expanding it", async () => {
    const ods = makeOdf(
      "spreadsheet",
      sheet(
        "S",
        row(odsCell("H")) + row(odsCell("v") + odsCell("", 16_383)) + row(odsCell("", 1024), 1_048_574),
      ),
    );
    const started = performance.now();
    const document = await extractOds(ods);
    assert.equal(document.sections[0]?.text, "H: v");
    assert.ok(performance.now() - started < 2_000);
  });

  it("refuses repeated filled cells declaring more than the limit as a decompression bomb", async () => {
    const ods = makeOdf("spreadsheet", sheet("S", row(odsCell("boom", 16_384), 1_048_576)));
    await assert.rejects(extractOds(ods), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "DECOMPRESSION_BOMB");
      assert.match(error.message, new RegExp(`expand past ${MAX_ODS_FILLED_CELLS} filled cells`));
      return true;
    });
  });

  it("refuses more sheets than MAX_PAGES before reading them", async () => {
    const ods = makeOdf("spreadsheet", sheet("A", row(odsCell("a"))).repeat(3));
    await assert.rejects(extractOds(ods, { ...DEFAULT_EXTRACT_OPTIONS, maxPages: 2 }), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "TOO_MANY_PAGES");
      assert.equal(error.message, "too many sheets: 3 > MAX_PAGES=2");
      return true;
    });
  });
});
