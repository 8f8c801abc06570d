/**
 * Tables in PDFs (scripts/make-table-corpus.sh: pandoc writes markdown tables as DOCX and ODT,
 * LibreOffice prints them; one table is LibreOffice's own, with borders and a bold header): each table must reach the text as "Header: value" rows, with at least
 * 95% of the source's cells in the right row under the right header, and the paragraphs, headings
 * and list items around the tables must come through word for word. Pages of prose in two columns
 * must not turn into tables.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "../support/bounded-test.js";

import { extractDocument } from "../../src/extract/extract-document.js";

const MIN_CELL_ACCURACY = 0.95;
const corpus = new URL("../fixtures/tables/", import.meta.url);

type Block = { kind: "text"; text: string } | { kind: "table"; rows: string[][] };

async function pdfText(name: string): Promise<string> {
  const bytes = await readFile(new URL(name, corpus));
  const { document } = await extractDocument(bytes, "application/pdf", name);
  assert.equal(document.format, "pdf");
  return document.sections.map((s) => s.text).join("\n\n");
}

async function truth(name: string): Promise<Block[]> {
  const parsed = JSON.parse((await readFile(new URL(name, corpus))).toString("utf8")) as { blocks: Block[] };
  return parsed.blocks;
}

const squash = (text: string): string => text.replace(/\s+/g, " ").trim();
const unspaced = (text: string): string => text.replace(/\s+/g, "");

/**
 * The "Header: value" pairs of a row line, split where one of the table's headers starts a pair
 * (values may hold "; " themselves, as "Call the dock office first; if nobody answers").
 */
function pairsOf(line: string, headers: readonly string[]): Array<[string, string]> {
  const starts: Array<[number, string]> = [];
  for (const header of headers) {
    if (line.startsWith(`${header}: `)) starts.push([0, header]);
    for (let at = line.indexOf(`; ${header}: `); at >= 0; at = line.indexOf(`; ${header}: `, at + 1)) {
      starts.push([at + 2, header]);
    }
  }
  starts.sort((a, b) => a[0] - b[0]);
  return starts.map(([at, header], i) => {
    const next = starts[i + 1]?.[0];
    const value = line.slice(at + header.length + 2, next === undefined ? undefined : next - 2);
    return [header, value];
  });
}

interface Score {
  cells: number;
  landed: number;
  exact: number;
  spurious: number;
  /** Lines of the text that are table rows (labelled values). */
  rowLines: Set<number>;
}

/**
 * For each source row, the text line holding most of its cells; a cell lands when that line has
 * it under its header (compared without whitespace: a word LibreOffice broke inside a narrow
 * column comes back with a space in it, under the right header all the same). Pairs on that line
 * the source row does not have (a value under the wrong header, a cell from another row) count
 * against the score.
 */
function scoreTables(blocks: readonly Block[], lines: readonly string[]): Score {
  const score: Score = { cells: 0, landed: 0, exact: 0, spurious: 0, rowLines: new Set() };
  for (const block of blocks) {
    if (block.kind !== "table") continue;
    const [headers = [], ...body] = block.rows;
    for (const row of body) {
      const wanted = headers
        .map((header, column) => [header, row[column] ?? ""] as const)
        .filter(([, value]) => value !== "");
      let best = -1;
      let bestHits = 0;
      lines.forEach((line, index) => {
        const pairs = pairsOf(line, headers);
        const hits = wanted.filter(([h, v]) =>
          pairs.some(([ph, pv]) => ph === h && unspaced(pv) === unspaced(v)),
        );
        if (hits.length > bestHits && !score.rowLines.has(index)) {
          best = index;
          bestHits = hits.length;
        }
      });
      score.cells += wanted.length;
      if (best < 0) continue;
      score.rowLines.add(best);
      const pairs = pairsOf(lines[best] ?? "", headers);
      for (const [header, value] of wanted) {
        const found = pairs.find(([h]) => h === header)?.[1];
        if (found !== undefined && unspaced(found) === unspaced(value)) score.landed += 1;
        if (found !== undefined && squash(found) === squash(value)) score.exact += 1;
      }
      score.spurious += pairs.filter(
        ([h, v]) => !wanted.some(([wh, wv]) => wh === h && unspaced(wv) === unspaced(v)),
      ).length;
    }
  }
  // Row lines no source row claimed (a row cut in two by a page break, an invented row): every
  // value on them is misplaced.
  const headerSets = blocks.flatMap((b) => (b.kind === "table" ? [b.rows[0] ?? []] : []));
  lines.forEach((line, index) => {
    if (score.rowLines.has(index)) return;
    const pairs = Math.max(
      0,
      ...headerSets.map((headers) =>
        headers.some((h) => line.startsWith(`${h}: `)) ? pairsOf(line, headers).length : 0,
      ),
    );
    if (pairs === 0) return;
    score.spurious += pairs;
    score.rowLines.add(index);
  });
  return score;
}

/** The text outside the table rows, as a reader sees it: no page numbers, no list markers. */
function proseOf(lines: readonly string[], tableLines: ReadonlySet<number>): string {
  return squash(
    lines
      .filter((line, index) => !tableLines.has(index) && !/^\s*\d+\s*$/.test(line))
      .map((line) => line.replace(/^\s*(?:•|\d+\.)\s+/, ""))
      .join("\n"),
  );
}

describe("tables in PDFs made by LibreOffice", () => {
  const files = [
    { pdf: "office-report-docx.pdf", truth: "office-report.truth.json" },
    { pdf: "office-report-odt.pdf", truth: "office-report.truth.json" },
    { pdf: "inventory-ledger-docx.pdf", truth: "inventory-ledger.truth.json" },
    { pdf: "inventory-ledger-odt.pdf", truth: "inventory-ledger.truth.json" },
    { pdf: "price-list-docx.pdf", truth: "price-list.truth.json" },
    { pdf: "price-list-odt.pdf", truth: "price-list.truth.json" },
    { pdf: "native-table-odt.pdf", truth: "native-table.truth.json" },
  ];
  const total = { cells: 0, landed: 0, spurious: 0 };

  for (const file of files) {
    it(`${file.pdf}: cells in the right row under the right header, paragraphs unchanged`, async (t) => {
      const blocks = await truth(file.truth);
      const lines = (await pdfText(file.pdf)).split("\n");
      const score = scoreTables(blocks, lines);
      const accuracy = score.landed / (score.cells + score.spurious);
      t.diagnostic(
        `${file.pdf}: ${score.landed}/${score.cells} cells landed (${(accuracy * 100).toFixed(1)}%), ` +
          `${score.exact} with their exact text, ${score.spurious} misplaced values`,
      );
      total.cells += score.cells;
      total.landed += score.landed;
      total.spurious += score.spurious;
      assert.ok(score.cells > 30, `the truth has too few cells to measure: ${score.cells}`);
      assert.ok(accuracy >= MIN_CELL_ACCURACY, `${file.pdf}: cell accuracy ${accuracy.toFixed(3)}`);

      const expected = squash(blocks.flatMap((b) => (b.kind === "text" ? [b.text] : [])).join(" "));
      assert.equal(proseOf(lines, score.rowLines), expected);
    });
  }

  it("the whole corpus: at least 95% of cells land", (t) => {
    assert.ok(total.cells > 0, "the per-file tests ran first and counted cells");
    const accuracy = total.landed / (total.cells + total.spurious);
    t.diagnostic(`all files: ${total.landed}/${total.cells} cells landed (${(accuracy * 100).toFixed(1)}%)`);
    assert.ok(accuracy >= MIN_CELL_ACCURACY);
  });

  for (const pdf of ["two-columns-odt.pdf", "two-columns-ghostscript.pdf"]) {
    it(`${pdf}: prose in two columns stays prose, every word kept`, async () => {
      const text = await pdfText(pdf);
      const source = (await readFile(new URL("source/two-columns.txt", corpus))).toString("utf8");
      // The source has no colon: a "Header: value" row could only come from a table found.
      assert.ok(!text.includes(": "), text);
      const words = (s: string): string[] => squash(s).split(" ").sort();
      assert.deepEqual(words(text), words(source));
    });
  }

  it("a measure that would catch a table left flat or a value under the wrong header", () => {
    const blocks: Block[] = [
      {
        kind: "table",
        rows: [
          ["Name", "City"],
          ["Ana", "Porto"],
          ["Zoë", "Zürich"],
        ],
      },
    ];
    const flat = scoreTables(blocks, ["Name City", "Ana Porto", "Zoë Zürich"]);
    assert.equal(flat.landed, 0);
    const swapped = scoreTables(blocks, ["Name: Ana; City: Zürich", "Name: Zoë; City: Porto"]);
    assert.equal(swapped.landed, 2);
    assert.equal(swapped.spurious, 2);
    const right = scoreTables(blocks, ["Name: Ana; City: Porto", "Name: Zoë; City: Zür ich"]);
    assert.deepEqual([right.landed, right.exact, right.spurious], [4, 3, 0]);
  });
});
