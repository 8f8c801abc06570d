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
  return pythonStrip(withoutNul).replace(SPACE_AND_TAB_RUNS, " ").replace(BLANK_LINE_RUNS, "\n\n");
}
