import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractCsv } from "../../src/extract/extract-csv.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("extractCsv", () => {
  it("writes each row as its values labelled with the header", () => {
    const doc = extractCsv(
      utf8('Name,City,Note\r\nZoë,Zürich,"likes ""tea"", and cake"\r\nAda,,\r\n\r\n'),
      "p.csv",
    );
    assert.deepEqual(doc, {
      format: "csv",
      sections: [{ text: 'Name: Zoë; City: Zürich; Note: likes "tea", and cake\nName: Ada' }],
    });
  });

  it("finds semicolon and tab delimiters, and reads Windows-1252 exports", () => {
    const semicolon = new Uint8Array(
      Buffer.from("Item;Price\nCaf\xe9;3,50 \x80\nTh\xe9;2,00 \x80\n", "latin1"),
    );
    assert.equal(
      extractCsv(semicolon, null).sections[0]?.text,
      "Item: Café; Price: 3,50 €\nItem: Thé; Price: 2,00 €",
    );
    assert.equal(extractCsv(utf8("a\tb\n1\t2\n"), "x.tsv").sections[0]?.text, "a: 1; b: 2");
  });

  it("labels columns without a header by their number and keeps rows longer than the header", () => {
    assert.equal(
      extractCsv(utf8("Name,\nAda,London,1815\n"), null).sections[0]?.text,
      "Name: Ada; Column 2: London; Column 3: 1815",
    );
  });

  it("returns no sections for an empty file and the header alone for a header-only file", () => {
    assert.deepEqual(extractCsv(utf8("\n\n"), null).sections, []);
    assert.deepEqual(extractCsv(utf8("a,b\n"), null).sections, [{ text: "a; b" }]);
  });

  it("reports an unterminated quote as corrupt", () => {
    assert.throws(
      () => extractCsv(utf8('a,b\n1,"never closed\n'), null),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "CORRUPT_FILE");
        assert.match(error.message, /^corrupt csv: /);
        return true;
      },
    );
  });
});
