/**
 * Whether cells found by position make a table worth rewriting as "Header: value" rows. A wrong
 * table garbles prose, a missed one only keeps the flat text PDFs gave before, so the bar is high.
 */

/** Header plus at least two rows: two aligned lines happen by chance (a footer, a signature block). */
export const TABLE_MIN_ROWS = 3;
/** Where a page break cuts a table, a part may hold its header and one row only. */
export const CUT_TABLE_MIN_ROWS = 2;
const MIN_COLUMNS = 2;

/** A list item's marker: a bullet, or a number or letter with its dot or parenthesis. */
const LIST_MARKER = /^(?:[•◦▪▫‣⁃○●■□◆◇►▸–—*-]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,6})[.)])$/;

const SECTION_NUMBER = /^\d+(?:[.,]\d+)*\.?$/;
const YEAR = /^(?:1[89]|2[01])\d\d$/;

/** A cell of this many words is a line of running text. */
const PROSE_WORDS = 4;

/** Whether a cell's text is a list item's marker (a bullet, "1.", "b)"). */
export function isListMarker(text: string): boolean {
  return LIST_MARKER.test(text.trim());
}

export function looksLikeTable(rows: readonly (readonly string[])[], minRows = TABLE_MIN_ROWS): boolean {
  const [header] = rows;
  if (header === undefined || rows.length < minRows || header.length < MIN_COLUMNS) return false;
  // The header names at least two columns, else the labels would be made up.
  if (header.filter((cell) => cell !== "").length < MIN_COLUMNS) return false;
  // A number names no column: the first line is data, or a table of contents ("2.1   Syntax ... 2",
  // "Introduction      3"). Years ("2023") do head columns.
  if (header.some((cell) => SECTION_NUMBER.test(cell.trim()) && !YEAR.test(cell.trim()))) return false;
  // Rows under the header fill two cells or more, each of them: lines that only happen to fall in
  // one band (a justified line, a caption) make no table of a line above them.
  const fullRows = rows.slice(1).filter((row) => row.filter((cell) => cell !== "").length >= MIN_COLUMNS);
  if (fullRows.length < minRows - 1) return false;
  for (let column = 0; column < header.length; column += 1) {
    const cells = rows.map((row) => row[column] ?? "").filter((cell) => cell !== "");
    // A band filled in one row only is stray text beside the table, not a column of it.
    if (cells.length < 2) return false;
    // Bullets or "1." down a band are a list, its markers set apart from the item text.
    if (cells.every((cell) => LIST_MARKER.test(cell))) return false;
  }
  // Labels ending in a colon down the first band are a form's fields ("Invoice no.:   12345"), one
  // per line, not a header row over records.
  const labels = rows.map((row) => row[0] ?? "").filter((cell) => cell !== "");
  if (labels.filter((cell) => cell.trimEnd().endsWith(":")).length * 2 > labels.length) return false;
  // Prose in two columns drawn line by line lines up like a table, but nearly every "cell" is a
  // line of running text; a real table has short cells (names, numbers, a header) in most rows.
  const proseRows = rows.filter((row) => row.every((cell) => cell === "" || wordCount(cell) >= PROSE_WORDS));
  return proseRows.length * 2 < rows.length;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word !== "").length;
}
