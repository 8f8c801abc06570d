import type { PdfDocument } from "./extract-pdf.js";

/** Lines are usually set 1.2 to 1.5 times the font size apart; a gap near twice that is a skipped line. */
const PARAGRAPH_GAP = 1.8;

/**
 * Same join as unpdf's extractText (items in reading order, a newline where pdf.js saw a line end),
 * plus a blank line where the next line starts much lower than line spacing would put it: PDFs have
 * no paragraph markup, and that gap is the only sign of a paragraph break the chunker can split on.
 */
export async function pageText(pdf: PdfDocument, pageNumber: number): Promise<string> {
  const page = await pdf.getPage(pageNumber);
  try {
    const content = await page.getTextContent();
    let text = "";
    let lineStart = true;
    let previousLine: { y: number; height: number } | null = null;
    for (const item of content.items) {
      if (!("str" in item)) continue;
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
