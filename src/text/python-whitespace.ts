/**
 * Python's idea of whitespace (`str.isspace`, used by `str.strip()`), which rag-corp's chunker and
 * fake embedder trim with. It differs from JavaScript's `trim()`: it includes U+001C–U+001F and
 * U+0085, and excludes U+FEFF. Reproducing rag-corp's chunk boundaries and vectors bit for bit
 * needs this exact set.
 */
const PYTHON_WHITESPACE_CLASS =
  "\\t\\n\\u000B\\f\\r\\u001C-\\u001F \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

const LEADING = new RegExp(`^[${PYTHON_WHITESPACE_CLASS}]+`);
const TRAILING = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]+$`);
const RUNS = new RegExp(`[${PYTHON_WHITESPACE_CLASS}]+`, "g");

/** `text.strip()` in Python. */
export function pythonStrip(text: string): string {
  return text.replace(LEADING, "").replace(TRAILING, "");
}

/** `text.lstrip()` in Python. */
export function pythonLstrip(text: string): string {
  return text.replace(LEADING, "");
}

/** `text.rstrip()` in Python. */
export function pythonRstrip(text: string): string {
  return text.replace(TRAILING, "");
}

/** `re.sub(r"\s+", " ", text)` in Python 3 (str patterns: `\s` is the same Unicode set). */
export function collapsePythonWhitespace(text: string): string {
  return text.replace(RUNS, " ");
}
