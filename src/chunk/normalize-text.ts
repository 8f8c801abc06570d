/**
 * Puts extracted text in one canonical form before chunking, so chunk sizes count characters a
 * reader sees, identical text from different formats embeds identically, and the splitter can
 * rely on "\n\n" meaning a paragraph break.
 */

// Vertical tab, form feed (page breaks in pdftotext output), NEL and the Unicode line and
// paragraph separators end lines; stripping them like other controls would glue words together.
const LINE_BREAKS = /\r\n?|[\v\f\u0085\u2028\u2029]/g;
// C0 and C1 controls other than \t and \n (already the only line break left), plus the BOM.
const CONTROL_CHARACTERS = /(?![\t\n])\p{Cc}|\uFEFF/gu;
// No-break and typographic spaces are common in PDF and DOCX text; they count as spaces. Only
// runs that change are matched: replacing each lone space by itself is 20 times slower on 5 MB.
const HORIZONTAL_SPACE_RUNS =
  /[ \t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]{2,}|[\t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;
const SPACE_AROUND_LINE_BREAKS = / ?\n ?/g;
const BLANK_LINE_RUNS = /\n{3,}/g;

export function normalizeText(text: string): string {
  return text
    .normalize("NFC")
    .replace(LINE_BREAKS, "\n")
    .replace(CONTROL_CHARACTERS, "")
    .replace(HORIZONTAL_SPACE_RUNS, " ")
    .replace(SPACE_AROUND_LINE_BREAKS, "\n")
    .replace(BLANK_LINE_RUNS, "\n\n")
    .trim();
}
