import ExcelJS from "exceljs";

import { PermanentError } from "../errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { findAll, parseXml } from "./markup-tree.js";
import { assertPageCount } from "./page-limit.js";
import { rowsAsText } from "./table-rows.js";
import { inflateArchive } from "./zip-archive.js";

const WORKBOOK = "xl/workbook.xml";

/**
 * Excel workbooks (.xlsx) through exceljs: one section per sheet, `page` being the sheet's position
 * in the workbook's tabs and its name the heading path, each row a line of values labelled with the
 * header row's names. Cells show what Excel shows for them where the value alone says it: a
 * formula's last computed result, a hyperlink's text, rich text flattened, dates as ISO dates.
 *
 * The archive is inflated under the bomb limits and the sheets counted against MAX_PAGES from
 * workbook.xml before exceljs builds its (much larger) model of every sheet.
 */
export async function extractXlsx(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const parts = await inflateArchive(bytes, "xlsx", options, (name) => name === WORKBOOK);
  const workbookXml = parts.get(WORKBOOK);
  if (workbookXml === undefined) throw new PermanentError("CORRUPT_FILE", "corrupt xlsx: no xl/workbook.xml");
  assertPageCount(
    findAll(parseXml(workbookXml.toString("utf8")), "sheet").length,
    options.maxPages,
    "sheets",
  );

  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs's declared Buffer type predates @types/node's generic Buffer; the bytes are what it reads.
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PermanentError("CORRUPT_FILE", `corrupt xlsx: ${reason}`, {}, { cause: error });
  }
  const sections: ExtractedSection[] = [];
  // exceljs lists worksheets in tab order (sorted by their position in workbook.xml).
  workbook.worksheets.forEach((sheet, index) => {
    const text = rowsAsText(sheetRows(sheet));
    if (text !== "") sections.push({ text, page: index + 1, headingPath: [sheet.name] });
  });
  return { format: "xlsx", sections };
}

function sheetRows(sheet: ExcelJS.Worksheet): string[][] {
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: false }, (cell, column) => {
      // A merged range shows its value once, in its top-left cell; exceljs repeats it in every cell.
      if (cell.isMerged && cell.master !== cell) return;
      cells[column - 1] = cellText(cell.value);
    });
    rows.push(Array.from(cells, (cell) => cell ?? ""));
  });
  return rows;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return isoDate(value);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "object") return "";
  if ("richText" in value && Array.isArray(value.richText)) {
    return value.richText.map((run: unknown) => cellText((run as { text?: unknown }).text)).join("");
  }
  if ("text" in value) return cellText(value.text); // a hyperlink: what it says, not where it goes
  if ("result" in value) return cellText(value.result); // a formula: its last computed value
  if ("error" in value) return cellText(value.error);
  return "";
}

/** A date without a time of day as "2024-03-01", otherwise to the second, both in UTC as Excel stores them. */
function isoDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return "";
  const iso = date.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.slice(0, 19).replace("T", " ");
}
