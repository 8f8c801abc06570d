/**
 * Python's idea of whitespace (`str.isspace`, used by `str.strip()` and by `\s` in str patterns),
 * which rag-corp's chunker and fake embedder trim with. It differs from JavaScript's `trim()`: it
 * includes U+001C–U+001F and U+0085, and excludes U+FEFF. Reproducing rag-corp's chunk boundaries
 * and vectors bit for bit needs this exact set.
 */
const PYTHON_WHITESPACE_CLASS =
  "\\t\\n\\u000B\\f\\r\\u001C-\\u001F \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

const RUNS = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]+`, "g");
const ONE = new RegExp(`^[${PYTHON_WHITESPACE_CLASS}]$`);

// 0 = not yet known, 1 = whitespace, 2 = not; indexed by UTF-16 code unit. Every character of the
// set is in the BMP and a surrogate never is, so testing code units answers for code points.
const KIND = new Uint8Array(0x10000);

/** Whether `str.isspace()` holds for this UTF-16 unit (each unit asked of the set once). */
export function isPythonWhitespaceUnit(unit: number): boolean {
  let kind = KIND[unit];
  if (kind === 0) {
    kind = ONE.test(String.fromCharCode(unit)) ? 1 : 2;
    KIND[unit] = kind;
  }
  return kind === 1;
}

/**
 * `text[from:to].strip()` in Python as UTF-16 bounds `[start, end)`, scanning in from both ends:
 * linear, where an anchored `[…]+$` regex would retry at every position of an inner whitespace run
 * (quadratic: about a second for a 40,000-character run, which documents can hold).
 */
export function pythonStripBounds(text: string, from = 0, to = text.length): [start: number, end: number] {
  let start = from;
  let end = to;
  while (start < end && isPythonWhitespaceUnit(text.charCodeAt(start))) start += 1;
  while (end > start && isPythonWhitespaceUnit(text.charCodeAt(end - 1))) end -= 1;
  return [start, end];
}

/** `text.strip()` in Python. */
export function pythonStrip(text: string): string {
  const [start, end] = pythonStripBounds(text);
  return text.slice(start, end);
}

/** `re.sub(r"\s+", " ", text)` in Python 3 (str patterns: `\s` is the same Unicode set). */
export function collapsePythonWhitespace(text: string): string {
  return text.replace(RUNS, " ");
}
