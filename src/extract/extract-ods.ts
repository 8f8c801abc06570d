import { PermanentError } from "../errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { type Element, findAll, findFirst, isElement } from "./markup-tree.js";
import { readOdfContent } from "./odf-content.js";
import { odfParagraphs } from "./odf-text.js";
import { assertPageCount } from "./page-limit.js";
import { rowsAsText } from "./table-rows.js";

/** A spreadsheet's width and height in Calc and Excel: no real sheet has cells past them. */
const MAX_COLUMNS = 16_384;
const MAX_ROWS = 1_048_576;
/**
 * ODF writes a run of equal cells or rows once with a repeat count (table:number-columns-repeated,
 * table:number-rows-repeated): a few bytes can declare billions of cells. Filled cells are counted
 * as they are expanded, across the whole file, and past this many the file is refused as the bomb
 * it is. Empty cells and rows (Calc pads every sheet with a million of them) cost nothing.
 */
export const MAX_ODS_FILLED_CELLS = 1_000_000;

/**
 * OpenDocument spreadsheets (.ods): one section per sheet, `page` its position among the tabs and
 * its name the heading path, each row a line of values labelled with the header row's names, as for
 * XLSX. A cell's text is what Calc displays for it (the text:p it stores beside the value).
 */
export async function extractOds(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const spreadsheet = findFirst(await readOdfContent(bytes, "ods", options), "office:spreadsheet");
  const tables = spreadsheet === undefined ? [] : findAll(spreadsheet.children, "table:table");
  assertPageCount(tables.length, options.maxPages, "sheets");
  const budget = { filled: 0 };
  const sections: ExtractedSection[] = [];
  tables.forEach((table, index) => {
    const text = rowsAsText(sheetRows(table, budget));
    const name = table.attribs["table:name"] ?? `Sheet${index + 1}`;
    if (text !== "") sections.push({ text, page: index + 1, headingPath: [name] });
  });
  return { format: "ods", sections };
}

function sheetRows(table: Element, budget: { filled: number }): string[][] {
  const rows: string[][] = [];
  let rowCount = 0;
  // Rows may sit in table:table-row-group or table:table-header-rows; findAll does not look inside a row.
  for (const row of findAll(table.children, "table:table-row")) {
    if (rowCount >= MAX_ROWS) break;
    const repeat = Math.min(repeatCount(row, "table:number-rows-repeated"), MAX_ROWS - rowCount);
    rowCount += repeat;
    const cells = rowCells(row, budget);
    if (cells.length === 0) continue;
    for (let copy = 0; copy < repeat; copy += 1) {
      if (copy > 0) spend(budget, cells.filter((cell) => cell !== "").length);
      rows.push(cells);
    }
  }
  return rows;
}

/** A row's cell texts by column, trailing empty cells left out (Calc pads rows to the sheet's width). */
function rowCells(row: Element, budget: { filled: number }): string[] {
  const cells: string[] = [];
  let column = 0;
  for (const cell of row.children) {
    if (!isElement(cell) || column >= MAX_COLUMNS) continue;
    if (cell.name !== "table:table-cell" && cell.name !== "table:covered-table-cell") continue;
    const repeat = Math.min(repeatCount(cell, "table:number-columns-repeated"), MAX_COLUMNS - column);
    // A covered cell lies under a merged range: the range's value shows once, in its first cell.
    const text = cell.name === "table:table-cell" ? odfParagraphs(cell).join(" ").trim() : "";
    if (text !== "") {
      spend(budget, repeat);
      for (let copy = 0; copy < repeat; copy += 1) cells[column + copy] = text;
    }
    column += repeat;
  }
  return Array.from(cells, (cell) => cell ?? "");
}

function repeatCount(element: Element, attribute: string): number {
  const count = Number(element.attribs[attribute] ?? 1);
  return Number.isSafeInteger(count) && count >= 1 ? count : 1;
}

function spend(budget: { filled: number }, cells: number): void {
  budget.filled += cells;
  if (budget.filled <= MAX_ODS_FILLED_CELLS) return;
  throw new PermanentError(
    "DECOMPRESSION_BOMB",
    `decompression bomb refused (ods): repeated rows and columns expand past ${MAX_ODS_FILLED_CELLS} filled cells`,
    { limit: MAX_ODS_FILLED_CELLS },
  );
}
