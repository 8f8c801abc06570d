/**
 * Python's idea of whitespace (`str.isspace`, used by `str.strip()`), which rag-corp's chunker and
 * fake embedder trim with. It differs from JavaScript's `trim()`: it includes U+001C–U+001F and
 * U+0085, and excludes U+FEFF. Reproducing rag-corp's chunk boundaries and vectors bit for bit
 * needs this exact set.
 */
const PYTHON_WHITESPACE_CLASS =
  "\\t\\n\\u000B\\f\\r\\u001C-\\u001F \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

const ONE = new RegExp(`^[${PYTHON_WHITESPACE_CLASS}]$`);
const RUNS = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]+`, "g");

// Every character of the set is one UTF-16 unit, so scanning units from either end is exact.
// A `[…]+$` regex would be quadratic on long inner whitespace runs (each start rescans the run).
const isSpace = (text: string, at: number): boolean => ONE.test(text.charAt(at));

function startOfText(text: string): number {
  let start = 0;
  while (start < text.length && isSpace(text, start)) start += 1;
  return start;
}

function endOfText(text: string, from = 0): number {
  let end = text.length;
  while (end > from && isSpace(text, end - 1)) end -= 1;
  return end;
}

/** `text.strip()` in Python. */
export function pythonStrip(text: string): string {
  const start = startOfText(text);
  return text.slice(start, endOfText(text, start));
}

/** `text.lstrip()` in Python. */
export function pythonLstrip(text: string): string {
  return text.slice(startOfText(text));
}

/** `text.rstrip()` in Python. */
export function pythonRstrip(text: string): string {
  return text.slice(0, endOfText(text));
}

/** `re.sub(r"\s+", " ", text)` in Python 3 (str patterns: `\s` is the same Unicode set). */
export function collapsePythonWhitespace(text: string): string {
  return text.replace(RUNS, " ");
}
