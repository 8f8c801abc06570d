import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { rowsAsText } from "../../src/extract/table-rows.js";

describe("rowsAsText", () => {
  it("labels each value with its header and leaves out empty cells and rows", () => {
    const text = rowsAsText([
      ["", "", ""],
      ["Name", "City", ""],
      ["Ada", "London", "1815"],
      ["", "", ""],
      ["Alan", "", ""],
    ]);
    assert.equal(text, "Name: Ada; City: London; Column 3: 1815\nName: Alan");
  });

  it("flattens line breaks inside a value", () => {
    assert.equal(rowsAsText([["Note"], ["first line\nsecond  line"]]), "Note: first line second line");
  });

  it("gives the header alone for a sheet without data rows, nothing for an empty one", () => {
    assert.equal(rowsAsText([["a", "b"]]), "a; b");
    assert.equal(rowsAsText([]), "");
  });
});
