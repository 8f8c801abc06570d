/**
 * rag-corp's text clean-up, which its parsers and its extractor both apply before chunking. Its
 * chunk boundaries are counted on this exact text, so reproducing them needs the same steps:
 * drop NUL, strip (Python's whitespace set), collapse runs of spaces and tabs to one space,
 * and runs of three or more newlines to a blank line. The steps are idempotent, so applying
 * them once equals rag-corp applying them twice.
 *
 * rag-corp then silently cuts the text to 1,000,000 characters; ragworker does not: a text over
 * MAX_EXTRACTED_CHARS fails the document before chunking, where the limit is enforced.
 */
import { pythonStrip } from "../text/python-whitespace.js";

// Only runs that change are matched: replacing each lone space by itself costs 20 times more
// on 5 MB than skipping it, and gives the same text as `[ \t]+` → " ".
const SPACE_AND_TAB_RUNS = /[ \t]{2,}|\t/g;
const BLANK_LINE_RUNS = /\n{3,}/g;

export function normalizeRagCorpText(text: string): string {
  const withoutNul = text.includes("\0") ? text.replaceAll("\0", "") : text;
  return stripPythonWhitespace(withoutNul).replace(SPACE_AND_TAB_RUNS, " ").replace(BLANK_LINE_RUNS, "\n\n");
}

// 0 = not yet known, 1 = whitespace, 2 = not whitespace; indexed by UTF-16 code unit. Every
// character Python counts as whitespace is in the BMP, and a surrogate never is, so testing
// code units gives the same answer as testing code points.
const WHITESPACE_KIND = new Uint8Array(0x10000);

/**
 * Whether `str.isspace()` holds for this UTF-16 unit. The set itself is defined once, in
 * python-whitespace.ts; each unit is asked there once and remembered.
 */
export function isPythonWhitespaceUnit(unit: number): boolean {
  let kind = WHITESPACE_KIND[unit];
  if (kind === 0) {
    kind = pythonStrip(String.fromCharCode(unit)) === "" ? 1 : 2;
    WHITESPACE_KIND[unit] = kind;
  }
  return kind === 1;
}

/**
 * `text[from:to].strip()` in Python as UTF-16 bounds `[start, end)`, found by scanning in from
 * both ends. pythonStrip's trailing-whitespace regex is retried at every position of an inner
 * whitespace run, which is quadratic in the run's length (about a second for a 40,000-character
 * run); a document can hold such runs, so whole texts and chunks are stripped this way.
 */
export function pythonStripBounds(text: string, from = 0, to = text.length): [start: number, end: number] {
  let start = from;
  let end = to;
  while (start < end && isPythonWhitespaceUnit(text.charCodeAt(start))) start += 1;
  while (end > start && isPythonWhitespaceUnit(text.charCodeAt(end - 1))) end -= 1;
  return [start, end];
}

/** `text[from:to].strip()` in Python, in time linear in `to - from`. */
export function stripPythonWhitespace(text: string, from = 0, to = text.length): string {
  const [start, end] = pythonStripBounds(text, from, to);
  return text.slice(start, end);
}
