import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { collapseWhitespace, HeadingSections } from "../../src/extract/heading-sections.js";

describe("HeadingSections", () => {
  it("opens a section per heading, with the path of headings above it", () => {
    const out = new HeadingSections();
    out.paragraph("Preface.");
    out.heading(1, "A");
    out.paragraph("a text");
    out.heading(3, "A.1.1");
    out.line("- x");
    out.line("- y");
    out.heading(2, "A.2");
    out.paragraph("two");
    out.heading(1, "B");
    out.paragraph("b text");
    assert.deepEqual(out.finish(), [
      { text: "Preface.", headingPath: [] },
      { text: "A\n\na text", headingPath: ["A"] },
      { text: "A.1.1\n\n- x\n- y", headingPath: ["A", "A.1.1"] },
      { text: "A.2\n\ntwo", headingPath: ["A", "A.2"] },
      { text: "B\n\nb text", headingPath: ["B"] },
    ]);
  });

  it("carries a heading without text into a deeper heading, keeps one before a sibling", () => {
    const out = new HeadingSections();
    out.heading(1, "Guide");
    out.heading(2, "Setup");
    out.paragraph("Install.");
    out.heading(2, "Empty");
    out.heading(2, "Usage");
    out.paragraph("Run.");
    assert.deepEqual(out.finish(), [
      { text: "Guide\n\nSetup\n\nInstall.", headingPath: ["Guide", "Setup"] },
      { text: "Empty", headingPath: ["Guide", "Empty"] },
      { text: "Usage\n\nRun.", headingPath: ["Guide", "Usage"] },
    ]);
  });

  it("ignores blank headings and blocks", () => {
    const out = new HeadingSections();
    out.heading(1, "  ");
    out.paragraph(" \n ");
    out.line("");
    assert.deepEqual(out.finish(), []);
  });
});

describe("collapseWhitespace", () => {
  it("collapses spaces within lines and drops blank lines, keeping line breaks", () => {
    assert.equal(collapseWhitespace("  a   b \n\n  c\t d  "), "a b\nc d");
  });
});
