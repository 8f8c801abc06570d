/**
 * Table detection on text positions laid out by hand the way LibreOffice draws them (cell by cell,
 * row by row, a wrapped cell's lines one after another), and on the layouts that must stay prose.
 */
import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { looksLikeTable } from "../../src/extract/pdf-table-checks.js";
import { cellText, findTables } from "../../src/extract/pdf-table-detect.js";
import { drawnLines, fragmentsOf, type TextPiece } from "../../src/extract/pdf-table-geometry.js";
import { splitAtColumns } from "../../src/extract/pdf-table-split.js";

const SIZE = 12;
const LINE = 14.4; // LibreOffice's single line spacing for 12 pt text
const CHAR = 6; // a rough advance per character; the detector only needs gaps and overlaps

/** Text drawn at (x, y), in drawing order; indexes follow the order given. */
function draw(...runs: Array<[text: string, x: number, y: number]>): TextPiece[] {
  return runs.map(([text, x, y], index) => ({
    index,
    text,
    x,
    y,
    width: text.length * CHAR,
    size: SIZE,
    upright: true,
    monospace: false,
  }));
}

/** A table drawn row by row, cell by cell, one line per cell; columns start at the given x. */
function grid(rows: string[][], columns: number[], top = 700): Array<[string, number, number]> {
  return rows.flatMap((row, r) =>
    row.flatMap((cell, c): Array<[string, number, number]> =>
      cell === "" ? [] : [[cell, columns[c] ?? 0, top - r * LINE]],
    ),
  );
}

const COLUMNS = [72, 200, 330];
const PEOPLE = [
  ["Name", "Team", "City"],
  ["Zoë Müller", "Platform", "Zürich"],
  ["José Peña", "Security", "Sevilla"],
];
const paragraphAbove: [string, number, number] = ["The people on call this week are listed below.", 72, 730];
const paragraphBelow: [string, number, number] = ["Every engineer has access to the runbooks.", 72, 640];

describe("findTables", () => {
  it("reads a grid drawn row by row into rows of cells, header first, with the items it spans", () => {
    const pieces = draw(paragraphAbove, ...grid(PEOPLE, COLUMNS), paragraphBelow);
    const tables = findTables(pieces);
    assert.equal(tables.length, 1);
    assert.deepEqual(tables[0]?.rows, PEOPLE);
    assert.equal(tables[0]?.firstIndex, 1);
    assert.equal(tables[0]?.lastIndex, pieces.length - 2);
  });

  it("joins a wrapped cell's lines, drawn one after another before the row's next cell", () => {
    const pieces = draw(
      ...grid([["Term", "Meaning", "Owner"]], COLUMNS),
      ["Backlog", 72, 700 - LINE],
      ["Documents received", 200, 700 - LINE],
      ["but not yet indexed", 200, 700 - 2 * LINE],
      ["Platform", 330, 700 - LINE],
      ["Latency", 72, 700 - 3 * LINE],
      ["Minutes to search", 200, 700 - 3 * LINE],
      ["Search", 330, 700 - 3 * LINE],
    );
    assert.deepEqual(findTables(pieces)[0]?.rows, [
      ["Term", "Meaning", "Owner"],
      ["Backlog", "Documents received but not yet indexed", "Platform"],
      ["Latency", "Minutes to search", "Search"],
    ]);
  });

  it("keeps right-aligned numbers in their column, and an empty cell empty", () => {
    const right = (text: string, y: number): [string, number, number] => [text, 300 - text.length * CHAR, y];
    const pieces = draw(
      ["Region", 72, 700],
      right("Q1", 700),
      ["Q2", 330, 700],
      ["Europe", 72, 700 - LINE],
      right("12,400", 700 - LINE),
      ["13,950", 330, 700 - LINE],
      ["Americas", 72, 700 - 2 * LINE],
      ["11,230", 330, 700 - 2 * LINE],
      ["Africa", 72, 700 - 3 * LINE],
      right("850", 700 - 3 * LINE),
      ["1,020", 330, 700 - 3 * LINE],
    );
    assert.deepEqual(findTables(pieces)[0]?.rows, [
      ["Region", "Q1", "Q2"],
      ["Europe", "12,400", "13,950"],
      ["Americas", "", "11,230"],
      ["Africa", "850", "1,020"],
    ]);
  });

  it("leaves the paragraph under the table out of it, even when its first line fits a column", () => {
    // Paragraph spacing puts it further below the last row than rows are from each other.
    const pieces = draw(
      ...grid(PEOPLE, COLUMNS),
      ["Notes", 72, 700 - 2 * LINE - 19],
      ["follow.", 200, 700 - 2 * LINE - 19],
    );
    assert.deepEqual(findTables(pieces)[0]?.rows, PEOPLE);
    assert.equal(findTables(pieces)[0]?.lastIndex, 8);
  });

  it("keeps a list right above a table out of it", () => {
    const pieces = draw(
      ["•", 90, 700 + 2 * LINE],
      ["Rotations last one week.", 108, 700 + 2 * LINE],
      ["•", 90, 700 + LINE],
      ["Handover on Mondays.", 108, 700 + LINE],
      ...grid(PEOPLE, COLUMNS),
    );
    const tables = findTables(pieces);
    assert.deepEqual(tables[0]?.rows, PEOPLE);
    assert.equal(tables[0]?.firstIndex, 4);
  });

  it("does not take a bulleted or a numbered list for a table", () => {
    const items = ["Rotations last one week.", "Handover is on Mondays.", "Runbooks are in the wiki."];
    for (const marker of ["•", "1.", "a)"]) {
      const pieces = draw(
        ...items.flatMap((item, i): Array<[string, number, number]> => [
          [marker, 90, 700 - i * LINE],
          [item, 108, 700 - i * LINE],
        ]),
      );
      assert.deepEqual(findTables(pieces), [], marker);
    }
  });

  it("does not take prose in two columns for a table, drawn line by line across both", () => {
    const left = [
      "The first story is about",
      "the move to the new storage",
      "cluster, which took three",
      "weekends and a long list",
      "of checks before the end.",
    ];
    const right = [
      "The second story is about",
      "the on-call rotation, which",
      "now hands over on Monday",
      "mornings with a note that",
      "lists every open incident.",
    ];
    const pieces = draw(
      ...left.flatMap((line, i): Array<[string, number, number]> => [
        [line, 60, 700 - i * 12],
        [right[i] ?? "", 320, 700 - i * 12],
      ]),
    );
    assert.deepEqual(findTables(pieces), []);
  });

  it("needs two rows under the header mid-page, one at the page's edge (a table cut by a page break)", () => {
    const twoRows = grid(PEOPLE.slice(0, 2), COLUMNS, 100);
    assert.deepEqual(findTables(draw(["Heading above", 72, 130], ...twoRows, ["Text below", 72, 50])), []);
    const atBottom = findTables(draw(["Heading above", 72, 130], ...twoRows, ["7", 300, 30]));
    assert.deepEqual(atBottom[0]?.rows, PEOPLE.slice(0, 2));
  });

  it("joins a DOCX header cell set on the bottom line, its first line above the row", () => {
    const pieces = draw(
      ["Carrier", 72, 700],
      ["Delivery promise", 200, 700 + LINE],
      ["and conditions", 200, 700],
      ["Tracking", 400, 700],
      ["Rail", 72, 680],
      ["Five working days", 200, 680],
      ["to any depot", 200, 680 - LINE],
      ["Tracked", 400, 680],
      ["Road", 72, 680 - 2 * LINE - 4],
      ["Two days", 200, 680 - 2 * LINE - 4],
      ["Tracked", 400, 680 - 2 * LINE - 4],
    );
    const tables = findTables(pieces);
    assert.deepEqual(tables[0]?.rows[0], ["Carrier", "Delivery promise and conditions", "Tracking"]);
    assert.equal(tables[0]?.firstIndex, 0);
  });

  it("splits a cell that pdf.js glued to the next one at that column's edge", () => {
    const pieces = draw(["Role", 74, 700], ["Notes", 150, 700]);
    const glued: TextPiece = {
      index: 2,
      text: "Dock manager Call the dock office first; if nobody answers within ten minutes, page the",
      x: 74.3,
      y: 700 - LINE,
      width: 422.5, // as LibreOffice set it in Liberation Serif
      size: SIZE,
      upright: true,
      monospace: false,
    };
    const tail = draw(["Lead", 74, 700 - 2 * LINE], ["Weekly counts.", 150, 700 - 2 * LINE]).map((p) => ({
      ...p,
      index: p.index + 3,
    }));
    assert.deepEqual(findTables([...pieces, glued, ...tail])[0]?.rows, [
      ["Role", "Notes"],
      ["Dock manager", "Call the dock office first; if nobody answers within ten minutes, page the"],
      ["Lead", "Weekly counts."],
    ]);
  });

  it("does not take an option list or a listing in a fixed-pitch font for a table", () => {
    const options = draw(
      ["-c, --check", 72, 700],
      ["checks the syntax only", 200, 700],
      ["-o, --output", 72, 700 - LINE],
      ["output file", 200, 700 - LINE],
      ["-h, --help", 72, 700 - 2 * LINE],
      ["display this help", 200, 700 - 2 * LINE],
    ).map((p) => ({ ...p, monospace: p.x === 72 }));
    assert.deepEqual(findTables(options), []);
    // The same layout with words in the first row is a table.
    assert.equal(findTables(options.map((p) => ({ ...p, monospace: false }))).length, 1);
  });

  it("does not cut a justified line of prose into cells, nor the lines under it", () => {
    // Word spaces stretched wide enough to split lines; the next lines run across every band.
    const pieces = draw(
      ["value=x01", 118, 700],
      [",", 200, 700],
      ["len=3", 220, 700],
      ["three", 300, 700],
      ["bytes", 360, 700],
      ["octet string values are copied as they are and never converted in any way", 118, 700 - LINE],
      ["so a reader sees the very bytes that the writer put into the structure", 118, 700 - 2 * LINE],
      ["value=x02", 118, 700 - 3 * LINE],
      [",", 200, 700 - 3 * LINE],
      ["len=3", 220, 700 - 3 * LINE],
      ["three", 300, 700 - 3 * LINE],
      ["bytes", 360, 700 - 3 * LINE],
    );
    assert.deepEqual(findTables(pieces), []);
  });

  it("leaves rotated text alone", () => {
    const pieces = draw(...grid(PEOPLE, COLUMNS)).map((p) => ({ ...p, upright: false }));
    assert.deepEqual(findTables(pieces), []);
  });
});

describe("drawnLines and fragmentsOf", () => {
  it("cut the drawing where it leaves the baseline or moves back left, and lines at wide gaps", () => {
    // "Mül" starts 4 pt after "Zoë" ends (a word space), "ler" 0.5 pt after "Mül" (the same word).
    const pieces = draw(
      ["Name", 72, 700],
      ["Team", 200, 700],
      ["Zoë", 72, 686],
      ["Mül", 94, 686],
      ["ler", 112.5, 686],
    );
    const lines = drawnLines(pieces);
    assert.deepEqual(
      lines.map((line) => line.map((p) => p.text)),
      [
        ["Name", "Team"],
        ["Zoë", "Mül", "ler"],
      ],
    );
    assert.deepEqual(
      lines.map((line) => fragmentsOf(line).map((f) => f.text)),
      [["Name", "Team"], ["Zoë Müller"]],
    );
    const backLeft = draw(["wrapped", 200, 700], ["cell", 72, 700]);
    assert.equal(drawnLines(backLeft).length, 2);
  });
});

describe("cellText", () => {
  it("joins a cell's lines with spaces, but not after a hyphen LibreOffice broke the line at", () => {
    assert.equal(
      cellText(["Search returns stale", "chunks after a re-", "index"]),
      "Search returns stale chunks after a re-index",
    );
    assert.equal(cellText(["2024-02-", "11"]), "2024-02-11");
    assert.equal(cellText(["Costs -", "estimated"]), "Costs - estimated");
  });
});

describe("splitAtColumns", () => {
  it("cuts at the space nearest each column's left edge, or gives up when none is near", () => {
    const fragment = {
      text: "Dock manager Call the dock office first",
      left: 74.3,
      right: 74.3 + 194,
      y: 700,
      size: SIZE,
      firstIndex: 0,
      lastIndex: 0,
      monospace: false,
    };
    const parts = splitAtColumns(fragment, [
      { left: 74.3, right: 140 },
      { left: 150.1, right: 500 },
    ]);
    assert.deepEqual(
      parts?.map((p) => p.text),
      ["Dock manager", "Call the dock office first"],
    );
    assert.equal(
      splitAtColumns({ ...fragment, text: "Dockmanager-Callthedockofficefirst" }, [
        { left: 74.3, right: 140 },
        { left: 150.1, right: 500 },
      ]),
      null,
    );
  });
});

describe("looksLikeTable", () => {
  it("wants a header of two columns and two rows, each column filled twice, no list, no prose", () => {
    assert.equal(looksLikeTable(PEOPLE), true);
    assert.equal(looksLikeTable(PEOPLE.slice(0, 2)), false);
    assert.equal(looksLikeTable(PEOPLE.slice(0, 2), 2), true);
    assert.equal(
      looksLikeTable([
        ["Name", ""],
        ["Ana", "Porto"],
        ["Zoë", "Zürich"],
      ]),
      false,
    );
    assert.equal(
      looksLikeTable([
        ["Name", "City", "Note"],
        ["Ana", "Porto", ""],
        ["Zoë", "Zürich", ""],
      ]),
      false,
    );
    assert.equal(
      looksLikeTable([
        ["1.", "First step"],
        ["2.", "Second step"],
        ["3.", "Third step"],
      ]),
      false,
    );
    const prose = [
      ["The first story is about", "The second story is about"],
      ["the move to the new storage", "the on-call rotation, which"],
      ["cluster, which took three", "now hands over on Monday"],
    ];
    assert.equal(looksLikeTable(prose), false);
  });
});

describe("findTables on a hostile page", () => {
  it("takes linear time on thousands of aligned lines that make no table", () => {
    // Two fragments a line, every line's first band a section number: a table of contents that
    // fails the checks from every start line. Unbounded, each start would walk all lines below it,
    // and four times the lines would take sixteen times as long.
    const page = (lines: number): TextPiece[] => {
      const runs: Array<[string, number, number]> = [];
      for (let i = 0; i < lines; i += 1)
        runs.push([`${i}.1`, 72, 700 - i * LINE], [`Section ${i}`, 200, 700 - i * LINE]);
      return draw(...runs);
    };
    const seconds = (pieces: TextPiece[]): number => {
      const started = performance.now();
      assert.deepEqual(findTables(pieces), []);
      return (performance.now() - started) / 1000;
    };
    seconds(page(500)); // warm up
    const small = seconds(page(2_000));
    const large = seconds(page(8_000));
    assert.ok(
      large < 8 * small + 0.5,
      `2,000 lines: ${small.toFixed(2)} s, 8,000 lines: ${large.toFixed(2)} s`,
    );
  });
});
