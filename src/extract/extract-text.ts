import { decodeText } from "./decode-text.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";

/**
 * Plain text has no structure to keep: the whole file is one section, none when it is blank. The
 * encoding (UTF-8, UTF-16 with a BOM, Latin-1 or Windows-1252) is detected from the bytes.
 */
export function extractText(bytes: Uint8Array): ExtractedDocument {
  const { text } = decodeText(bytes);
  const sections: ExtractedSection[] = text.trim() === "" ? [] : [{ text }];
  return { format: "text", sections };
}
