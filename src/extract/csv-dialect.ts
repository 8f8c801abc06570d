import { parse } from "csv-parse/sync";

/** The separators spreadsheets export with: comma, semicolon (locales with a decimal comma), tab. */
const DELIMITERS = [",", ";", "\t"] as const;
export type CsvDelimiter = (typeof DELIMITERS)[number];

/** Enough rows to tell a table from prose that happens to contain commas. */
const MIN_ROWS_TO_SNIFF = 3;
const MAX_ROWS_TO_SNIFF = 50;

/**
 * The delimiter that splits the first rows into the same number (at least two) of columns, or
 * null when none does: then the text is not a table. The last line of a sniffed head may be cut
 * mid-row, so it is left out.
 */
export function sniffCsvDelimiter(text: string, complete: boolean): CsvDelimiter | null {
  const lines = text.split("\n");
  if (!complete) lines.pop();
  const sample = lines
    .filter((line) => line.trim() !== "")
    .slice(0, MAX_ROWS_TO_SNIFF)
    .join("\n");
  for (const delimiter of DELIMITERS) {
    const widths = rowWidths(sample, delimiter);
    if (widths === null || widths.length < MIN_ROWS_TO_SNIFF) continue;
    const first = widths[0] ?? 0;
    if (first >= 2 && widths.every((width) => width === first)) return delimiter;
  }
  return null;
}

/** The delimiter of a file declared as CSV: the sniffed one, else by its name, else a comma. */
export function csvDelimiterOf(text: string, fileName: string | null): CsvDelimiter {
  const sniffed = sniffCsvDelimiter(text.slice(0, 64 * 1024), text.length <= 64 * 1024);
  if (sniffed !== null) return sniffed;
  return fileName !== null && /\.tsv$/i.test(fileName) ? "\t" : ",";
}

function rowWidths(sample: string, delimiter: CsvDelimiter): number[] | null {
  try {
    const rows = parse(sample, { delimiter, relax_column_count: true, skip_empty_lines: true }) as string[][];
    return rows.map((row) => row.length);
  } catch {
    // Unbalanced quotes with this delimiter: not a table this delimiter describes.
    return null;
  }
}
