import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { extractOdp } from "../../src/extract/extract-odp.js";
import { makeOdf } from "../support/format-fixtures.js";

const frame = (kind: string, paragraphs: string): string =>
  `<draw:frame presentation:class="${kind}"><draw:text-box>${paragraphs}</draw:text-box></draw:frame>`;
const p = (text: string): string => `<text:p>${text}</text:p>`;
const page = (name: string, content: string): string =>
  `<draw:page draw:name="${name}">${content}</draw:page>`;

describe("extractOdp", () => {
  it("reads each slide on its number, titled, its lists and table rows as lines, without speaker notes", async () => {
    const odp = makeOdf(
      "presentation",
      page(
        "one",
        frame("title", p("Quarterly review")) +
          frame(
            "outline",
            `<text:list><text:list-item>${p("Revenue <text:span>grew</text:span>")}</text:list-item></text:list>`,
          ) +
          `<presentation:notes>${frame("notes", p("Say it slowly"))}</presentation:notes>`,
      ) +
        page("blank", "") +
        page(
          "three",
          frame("title", p("Numbers")) +
            "<draw:frame><table:table><table:table-row><table:table-cell><text:p>Q1</text:p></table:table-cell>" +
            "<table:table-cell><text:p>10</text:p></table:table-cell></table:table-row></table:table></draw:frame>",
        ),
    );
    const { document } = await extractDocument(odp, null, "deck.odp");
    assert.equal(document.format, "odp");
    assert.deepEqual(document.sections, [
      { text: "Quarterly review\n\nRevenue grew", page: 1, headingPath: ["Quarterly review"] },
      { text: "Numbers\n\nQ1 | 10", page: 3, headingPath: ["Numbers"] },
    ]);
  });

  it("refuses more slides than MAX_PAGES", async () => {
    const odp = makeOdf("presentation", page("a", frame("title", p("a"))).repeat(3));
    await assert.rejects(extractOdp(odp, { ...DEFAULT_EXTRACT_OPTIONS, maxPages: 2 }), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "TOO_MANY_PAGES");
      assert.equal(error.message, "too many slides: 3 > MAX_PAGES=2");
      return true;
    });
  });
});
