import type { PdfDocument } from "./extract-pdf.js";
import { findTables, type PdfTable } from "./pdf-table-detect.js";
import type { TextPiece } from "./pdf-table-geometry.js";
import { rowsAsText } from "./table-rows.js";

/** Lines are usually set 1.2 to 1.5 times the font size apart; a gap near twice that is a skipped line. */
const PARAGRAPH_GAP = 1.8;

type TextContent = Awaited<ReturnType<Awaited<ReturnType<PdfDocument["getPage"]>>["getTextContent"]>>;
type ContentItem = TextContent["items"][number];

/**
 * Same join as unpdf's extractText (items in reading order, a newline where pdf.js saw a line end),
 * plus a blank line where the next line starts much lower than line spacing would put it: PDFs have
 * no paragraph markup, and that gap is the only sign of a paragraph break the chunker can split on.
 * A table found from the items' positions (findTables) replaces its items with one line per row,
 * each value labelled with its column's header as spreadsheets are (rowsAsText), set apart by
 * blank lines: flat, a row of numbers would lose what each number means.
 */
export async function pageText(pdf: PdfDocument, pageNumber: number): Promise<string> {
  const page = await pdf.getPage(pageNumber);
  try {
    const content = await page.getTextContent();
    const tables = new Map(findTables(textPieces(content)).map((table) => [table.firstIndex, table]));
    let text = "";
    let lineStart = true;
    let previousLine: { y: number; height: number } | null = null;
    let afterTable = false;
    for (let index = 0; index < content.items.length; index += 1) {
      const table = tables.get(index);
      if (table !== undefined) {
        text = withTable(text, table);
        index = table.lastIndex;
        lineStart = true;
        previousLine = null; // the blank line after the table already breaks the paragraph
        afterTable = true;
        continue;
      }
      const item = content.items[index];
      if (item === undefined || !("str" in item)) continue;
      // The empty items that ended the table's last line would add a third newline.
      if (afterTable && item.str === "") continue;
      afterTable = false;
      // pdf.js also emits empty items that only mark a line end; they have no useful position.
      if (lineStart && item.str !== "") {
        const y = Number(item.transform[5]);
        // A zero height (some generators' fonts) says nothing about spacing: no guess then.
        if (previousLine !== null && previousLine.height > 0) {
          if (previousLine.y - y > PARAGRAPH_GAP * previousLine.height) text += "\n";
        }
        previousLine = { y, height: item.height };
      }
      text += item.hasEOL ? `${item.str}\n` : item.str;
      lineStart = item.hasEOL || (lineStart && item.str === "");
    }
    return text;
  } finally {
    page.cleanup();
  }
}

function withTable(text: string, table: PdfTable): string {
  const before = text === "" ? "" : text.replace(/\n*$/, "\n\n");
  return `${before}${rowsAsText(table.rows)}\n\n`;
}

/** The page's items with text, as positions for table detection. */
function textPieces(content: TextContent): TextPiece[] {
  const pieces: TextPiece[] = [];
  content.items.forEach((item: ContentItem, index) => {
    if (!("str" in item) || item.str.trim() === "") return;
    const [a, b, c, d, x, y] = item.transform.map(Number);
    pieces.push({
      index,
      text: item.str,
      x: x ?? 0,
      y: y ?? 0,
      width: item.width,
      size: item.height > 0 ? item.height : Math.abs(d ?? 0),
      upright: b === 0 && c === 0 && (a ?? 0) > 0,
      monospace: content.styles[item.fontName]?.fontFamily === "monospace",
    });
  });
  return pieces;
}
