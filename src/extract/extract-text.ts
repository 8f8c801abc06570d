import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";

/**
 * Decode UTF-8 text for the text-based extractors. Not fatal on bad bytes: type detection only
 * checked the first 8 KB, and one stray byte later in a long file should cost one replacement
 * character, not the document. The BOM is dropped (TextDecoder's default) so it never reaches a
 * chunk, and line endings become "\n" so that splitting on lines sees the same text from Windows
 * and Unix editors.
 */
export function decodeUtf8Text(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes).replace(/\r\n?/g, "\n");
}

/** Plain text has no structure to keep: the whole file is one section, none when it is blank. */
export function extractText(bytes: Uint8Array): ExtractedDocument {
  const text = decodeUtf8Text(bytes);
  const sections: ExtractedSection[] = text.trim() === "" ? [] : [{ text }];
  return { format: "text", sections };
}
