import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import ExcelJS from "exceljs";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { extractXlsx } from "../../src/extract/extract-xlsx.js";
import { makeXlsx } from "../support/document-fixtures.js";

describe("extractXlsx", () => {
  it("gives one section per sheet: page = sheet number, heading = sheet name, rows with their header", async () => {
    const doc = await extractXlsx(
      await makeXlsx([
        {
          name: "Staff",
          rows: [
            ["Name", "City", "Started"],
            ["Zoë Müller", "Zürich", new Date(Date.UTC(2019, 2, 1))],
            ["Ada Lovelace", null, 1843],
          ],
        },
        { name: "Empty", rows: [] },
        {
          name: "Stock",
          rows: [
            ["Item", "Count"],
            ["Laptop", 42],
          ],
        },
      ]),
    );
    assert.deepEqual(doc, {
      format: "xlsx",
      sections: [
        {
          text: "Name: Zoë Müller; City: Zürich; Started: 2019-03-01\nName: Ada Lovelace; Started: 1843",
          page: 1,
          headingPath: ["Staff"],
        },
        { text: "Item: Laptop; Count: 42", page: 3, headingPath: ["Stock"] },
      ],
    });
  });

  it("shows formulas by their result, links by their text, rich text flattened, merged cells once", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Calc");
    sheet.addRow(["Label", "Value", "Note"]);
    sheet.addRow([
      { richText: [{ text: "Bold " }, { text: "part" }] },
      { formula: "1+1", result: 2 },
      { text: "the site", hyperlink: "https://example.com" },
    ]);
    sheet.addRow(["Merged across", null, null]);
    sheet.mergeCells("A3:C3");
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const doc = await extractXlsx(bytes);
    assert.equal(doc.sections[0]?.text, "Label: Bold part; Value: 2; Note: the site\nLabel: Merged across");
  });

  it("refuses more sheets than MAX_PAGES", async () => {
    const bytes = await makeXlsx(["a", "b", "c"].map((name) => ({ name, rows: [["x"]] })));
    await assert.rejects(
      extractXlsx(bytes, { ...DEFAULT_EXTRACT_OPTIONS, maxPages: 2 }),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "TOO_MANY_PAGES");
        assert.equal(error.message, "too many sheets: 3 > MAX_PAGES=2");
        return true;
      },
    );
  });

  it("reports a truncated workbook as corrupt", async () => {
    const bytes = await makeXlsx([{ name: "S", rows: [["a"]] }]);
    await assert.rejects(extractXlsx(bytes.subarray(0, bytes.length - 100)), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "CORRUPT_FILE");
      assert.match(error.message, /^corrupt xlsx: /);
      return true;
    });
  });
});
