import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { extractMarkdown } from "../../src/extract/extract-markdown.js";

const md = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("extractMarkdown", () => {
  it("splits at headings and gives each section its heading path, its own heading included", () => {
    const doc = extractMarkdown(
      md(
        [
          "# Handbook",
          "Intro.",
          "## On-call",
          "Who is on call.",
          "### Paging",
          "How to page.",
          "## Deploys",
          "How to deploy.",
          "# Appendix",
          "Extra.",
        ].join("\n"),
      ),
    );
    assert.equal(doc.format, "markdown");
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [
        ["Handbook"],
        ["Handbook", "On-call"],
        ["Handbook", "On-call", "Paging"],
        ["Handbook", "Deploys"],
        ["Appendix"],
      ],
    );
    assert.deepEqual(
      doc.sections.map((s) => s.text),
      [
        "# Handbook\nIntro.",
        "## On-call\nWho is on call.",
        "### Paging\nHow to page.",
        "## Deploys\nHow to deploy.",
        "# Appendix\nExtra.",
      ],
    );
  });

  it("keeps text before the first heading with an empty heading path", () => {
    const doc = extractMarkdown(md("\n\nPreamble line.\n\n# First\nBody\n"));
    assert.deepEqual(doc.sections, [
      { text: "Preamble line.", headingPath: [] },
      { text: "# First\nBody", headingPath: ["First"] },
    ]);
  });

  it("carries a heading with no text of its own into the subsection that follows it", () => {
    const doc = extractMarkdown(md("# Guide\n## Setup\n\n### Linux\napt\n## Usage\nrun\n"));
    assert.deepEqual(doc.sections, [
      { text: "# Guide\n\n## Setup\n\n### Linux\napt", headingPath: ["Guide", "Setup", "Linux"] },
      { text: "## Usage\nrun", headingPath: ["Guide", "Usage"] },
    ]);
  });

  it("keeps a heading with no text as its own section when a sibling or the end follows", () => {
    const doc = extractMarkdown(md("## A\n## B\nb\n## C\n"));
    assert.deepEqual(doc.sections, [
      { text: "## A", headingPath: ["A"] },
      { text: "## B\nb", headingPath: ["B"] },
      { text: "## C", headingPath: ["C"] },
    ]);
  });

  it("handles a level skipped on the way down", () => {
    const doc = extractMarkdown(md("# A\na\n### C\nc\n## B\nb\n"));
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [["A"], ["A", "C"], ["A", "B"]],
    );
  });

  it("does not split on '#' lines inside fenced code", () => {
    const text = [
      "# Setup",
      "```bash",
      "# install the tools",
      "apt-get install -y jq",
      "```",
      "~~~",
      "## not a heading either",
      "~~~",
      "1. In a list:",
      "    ```",
      "    # still code",
      "    ```",
      "## Next",
      "done",
    ].join("\n");
    const doc = extractMarkdown(md(text));
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [["Setup"], ["Setup", "Next"]],
    );
    assert.match(
      doc.sections[0]?.text ?? "",
      /# install the tools[\s\S]*## not a heading either[\s\S]*# still code/,
    );
  });

  it("parses heading titles as CommonMark does", () => {
    const doc = extractMarkdown(
      md("#hashtag is text\n## Closed title ##\nx\n### C#\ny\n   #### Indented\n    # code\n"),
    );
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [[], ["Closed title"], ["Closed title", "C#"], ["Closed title", "C#", "Indented"]],
    );
    assert.equal(doc.sections[0]?.text, "#hashtag is text");
    assert.equal(doc.sections[3]?.text, "   #### Indented\n    # code");
  });

  it("strips the BOM and normalizes CRLF line endings", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...md("# Title\r\nBody\r\n")]);
    assert.deepEqual(extractMarkdown(bytes).sections, [{ text: "# Title\nBody", headingPath: ["Title"] }]);
  });

  it("returns no sections for a blank document", () => {
    assert.deepEqual(extractMarkdown(md("  \n\n\t\n")).sections, []);
  });
});
