import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { findAll, findFirst, parseHtml, parseXml } from "../../src/extract/markup-tree.js";

describe("markup-tree", () => {
  it("keeps namespace prefixes in XML and finds elements in document order, not inside matches", () => {
    const tree = parseXml('<a:root><a:p id="1"><a:p id="nested"/></a:p><b><a:p id="2"/></b></a:root>');
    assert.deepEqual(
      findAll(tree, "a:p").map((p) => p.attribs["id"]),
      ["1", "2"],
    );
    assert.equal(findFirst(tree, "b")?.name, "b");
    assert.equal(findFirst(tree, "missing"), undefined);
  });

  it("lowercases HTML element names and decodes entities", () => {
    const tree = parseHtml("<MAIN><P>Fish &amp; chips</P></MAIN>");
    const main = findFirst(tree, "main");
    const text = main?.children[0];
    assert.equal(main?.name, "main");
    assert.ok(text !== undefined && "children" in text);
    const node = text.children[0];
    assert.equal(node?.type === "text" ? node.data : null, "Fish & chips");
  });

  it("yields an empty tree rather than throwing for text that is not XML", () => {
    assert.deepEqual(findAll(parseXml("just text <<< &&&"), "a:p"), []);
  });
});
