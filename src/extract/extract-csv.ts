import { parse } from "csv-parse/sync";

import { PermanentError } from "../errors/permanent-error.js";
import { csvDelimiterOf } from "./csv-dialect.js";
import { decodeText } from "./decode-text.js";
import type { ExtractedDocument } from "./extracted-document.js";
import { rowsAsText } from "./table-rows.js";

/**
 * CSV (or TSV) through csv-parse, in whatever encoding the file came in, as one section of rows
 * labelled with their header. Rows of uneven width are accepted (spreadsheets export them), and so
 * are stray quotes inside unquoted fields; an unterminated quote is a corrupt file.
 */
export function extractCsv(bytes: Uint8Array, fileName: string | null): ExtractedDocument {
  const { text } = decodeText(bytes);
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter: csvDelimiterOf(text, fileName),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PermanentError("CORRUPT_FILE", `corrupt csv: ${reason}`, {}, { cause: error });
  }
  const body = rowsAsText(rows);
  return { format: "csv", sections: body === "" ? [] : [{ text: body }] };
}
