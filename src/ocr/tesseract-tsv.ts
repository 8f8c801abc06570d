/** One page's text as tesseract read it. */
export interface RecognizedText {
  /** Words joined by spaces, lines by a line break, paragraphs by a blank line (where the chunker splits). */
  readonly text: string;
  /** Mean confidence of its words, from 0 to 1; null when it found no word. */
  readonly confidence: number | null;
  readonly words: number;
}

/** Tesseract's TSV levels: 1 page, 2 block, 3 paragraph, 4 line, 5 word. */
const WORD_LEVEL = "5";
const COLUMNS = ["level", "block_num", "par_num", "line_num", "conf", "text"] as const;

/**
 * The text of tesseract's `tsv` output (one row per page, block, paragraph, line and word, with
 * numbers saying which block, paragraph and line a word belongs to). Only word rows with a
 * confidence (>= 0) count: rows of -1 are layout, not text. Lines and paragraphs are rebuilt from
 * those numbers, since the plain-text output would lose the confidences.
 */
export function parseTesseractTsv(tsv: string): RecognizedText {
  const rows = tsv.split("\n");
  const header = (rows[0] ?? "").split("\t");
  const column = Object.fromEntries(COLUMNS.map((name) => [name, header.indexOf(name)])) as Record<
    (typeof COLUMNS)[number],
    number
  >;
  if (Object.values(column).some((index) => index < 0)) {
    throw new Error(`tesseract tsv without the expected columns: ${rows[0]?.slice(0, 200) ?? ""}`);
  }
  const paragraphs: string[][][] = [];
  let paragraphKey = "";
  let lineKey = "";
  let confidenceSum = 0;
  let words = 0;
  for (const row of rows.slice(1)) {
    const cells = row.split("\t");
    if (cells[column.level] !== WORD_LEVEL) continue;
    const confidence = Number(cells[column.conf]);
    // The text is the last column and may itself contain nothing but spaces.
    const word = cells.slice(column.text).join("\t").trim();
    if (!(confidence >= 0) || word === "") continue;
    const paragraph = `${cells[column.block_num]}.${cells[column.par_num]}`;
    const line = `${paragraph}.${cells[column.line_num]}`;
    if (paragraph !== paragraphKey) {
      paragraphs.push([]);
      paragraphKey = paragraph;
      lineKey = "";
    }
    const lines = paragraphs[paragraphs.length - 1] ?? [];
    if (line !== lineKey) {
      lines.push([]);
      lineKey = line;
    }
    lines[lines.length - 1]?.push(word);
    confidenceSum += confidence;
    words += 1;
  }
  const text = paragraphs.map((lines) => lines.map((line) => line.join(" ")).join("\n")).join("\n\n");
  const confidence = words === 0 ? null : Math.round((confidenceSum / words) * 10) / 1000;
  return { text, confidence, words };
}
