import WordExtractor from "word-extractor";

import { PermanentError } from "../errors/permanent-error.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { HeadingSections } from "./heading-sections.js";

/**
 * Word 97-2003 documents (.doc) through word-extractor, which reads the binary format's piece table
 * in JavaScript: the body's paragraphs, table rows (" | "-joined, as for DOCX), then text boxes,
 * footnotes, endnotes and comments as sections of their own. The library gives no paragraph
 * styles, so there are no headings; page headers and footers are left out, as for PDF pages.
 * Encrypted files never get here (compound-file.ts refuses them).
 */
export async function extractDoc(bytes: Uint8Array): Promise<ExtractedDocument> {
  let document;
  try {
    document = await new WordExtractor().extract(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PermanentError("CORRUPT_FILE", `corrupt doc: ${reason}`, {}, { cause: error });
  }
  const sections: ExtractedSection[] = [];
  const add = (text: string, heading?: string): void => {
    if (text.trim() === "") return;
    const out = new HeadingSections();
    if (heading !== undefined) out.heading(1, heading);
    for (const line of text.split(/[\n\r]/)) {
      // Word ends each table cell and row with a tab: a row is the line's cells.
      if (line.includes("\t")) out.line(line.replace(/\t+$/, "").split("\t").join(" | "));
      else out.paragraph(line);
    }
    for (const section of out.finish()) sections.push(section);
  };
  add(document.getBody());
  add(document.getTextboxes({ includeHeadersAndFooters: false, includeBody: true }), "Text boxes");
  add(document.getFootnotes(), "Footnotes");
  add(document.getEndnotes(), "Endnotes");
  add(document.getAnnotations(), "Comments");
  return { format: "doc", sections };
}
