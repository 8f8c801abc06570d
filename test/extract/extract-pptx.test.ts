import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { extractPptx } from "../../src/extract/extract-pptx.js";
import { makePptx, makeZip } from "../support/document-fixtures.js";

describe("extractPptx", () => {
  it("gives one section per slide, numbered in deck order, titled by the slide's title", async () => {
    const doc = await extractPptx(
      makePptx([
        { title: "Welcome", lines: ["Agenda for today", "Questions at the end"] },
        { lines: ["A slide without a title"] },
        {
          title: "Contacts",
          table: [
            ["Team", "Channel"],
            ["Platform", "#platform-help"],
          ],
        },
      ]),
    );
    assert.deepEqual(doc, {
      format: "pptx",
      sections: [
        { text: "Welcome\n\nAgenda for today\nQuestions at the end", page: 1, headingPath: ["Welcome"] },
        { text: "A slide without a title", page: 2, headingPath: [] },
        { text: "Contacts\n\nTeam | Channel\nPlatform | #platform-help", page: 3, headingPath: ["Contacts"] },
      ],
    });
  });

  it("follows the deck's order, not the slide part names", async () => {
    // Slide parts 3, 1, 2 shown in that order: what an editor leaves after moving the last slide first.
    const doc = await extractPptx(
      makePptx([{ title: "First" }, { title: "Second" }, { title: "Third" }], [3, 1, 2]),
    );
    assert.deepEqual(
      doc.sections.map((s) => [s.page, s.text]),
      [
        [1, "First"],
        [2, "Second"],
        [3, "Third"],
      ],
    );
  });

  it("skips empty slides but keeps the real slide numbers", async () => {
    const doc = await extractPptx(makePptx([{ title: "One" }, {}, { lines: ["Three"] }]));
    assert.deepEqual(
      doc.sections.map((s) => s.page),
      [1, 3],
    );
  });

  it("refuses more slides than MAX_PAGES before reading them", async () => {
    const deck = makePptx([{ title: "a" }, { title: "b" }, { title: "c" }]);
    await assert.rejects(extractPptx(deck, { ...DEFAULT_EXTRACT_OPTIONS, maxPages: 2 }), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "TOO_MANY_PAGES");
      assert.equal(error.message, "too many slides: 3 > MAX_PAGES=2");
      return true;
    });
    assert.equal((await extractPptx(deck, { ...DEFAULT_EXTRACT_OPTIONS, maxPages: 3 })).sections.length, 3);
  });

  it("reports a deck without its presentation part as corrupt", async () => {
    await assert.rejects(extractPptx(makeZip({ "ppt/slides/slide1.xml": "<p:sld/>" })), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "CORRUPT_FILE");
      assert.match(error.message, /^corrupt pptx: /);
      return true;
    });
  });
});
