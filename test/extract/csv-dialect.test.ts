import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { csvDelimiterOf, sniffCsvDelimiter } from "../../src/extract/csv-dialect.js";

describe("sniffCsvDelimiter", () => {
  it("finds the delimiter that splits every row into the same number of columns", () => {
    assert.equal(sniffCsvDelimiter("a,b\n1,2\n3,4\n", true), ",");
    assert.equal(sniffCsvDelimiter("a;b;c\n1,5;2;3\n4;5;6\n", true), ";");
    assert.equal(sniffCsvDelimiter("a\tb\n1\t2\n3\t4\n", true), "\t");
    assert.equal(sniffCsvDelimiter('name,note\nada,"a, b"\nalan,"c"\n', true), ",");
  });

  it("says null for prose, a single column, too few rows or unbalanced quotes", () => {
    assert.equal(sniffCsvDelimiter("Hello, world.\nNo commas here\nOr here, or there, too.\n", true), null);
    assert.equal(sniffCsvDelimiter("one\ntwo\nthree\n", true), null);
    assert.equal(sniffCsvDelimiter("a,b\n1,2\n", true), null);
    assert.equal(sniffCsvDelimiter('a,b\n1,"2\n3,4\n', true), null);
  });

  it("ignores a last row cut off by the sniff window", () => {
    assert.equal(sniffCsvDelimiter("a,b\n1,2\n3,4\n5", false), ",");
    assert.equal(sniffCsvDelimiter("a,b\n1,2\n3,4\n5", true), null);
  });
});

describe("csvDelimiterOf", () => {
  it("falls back to the file name, then to a comma", () => {
    assert.equal(csvDelimiterOf("x\ny\n", "data.tsv"), "\t");
    assert.equal(csvDelimiterOf("x\ny\n", "data.csv"), ",");
    assert.equal(csvDelimiterOf("a;b\n1;2\n3;4\n", "data.csv"), ";");
  });
});
