/**
 * Word accuracy of OCR output against the text it was made from, as OCR evaluations count it:
 * 1 − (word-level edit distance ÷ words of the source), at least 0. A missed, extra or misread
 * word costs one edit each.
 *
 * Words are compared after normalizing what a reader would not call a different word: Unicode NFC
 * (a precomposed é and e + combining accent are the same letter), lower case (OCR's and the
 * typesetter's capitals are not text), and punctuation and symbols trimmed from either end of a
 * word ("agreement." is "agreement", "¿Es" is "es"). Accents stay (Spanish "más" and "mas" are
 * different words) and so do marks inside a word ("4,850", "1.284.000", "wear-and-tear").
 */
export function normalizedWords(text: string): string[] {
  return text
    .normalize("NFC")
    .toLowerCase()
    .split(/\s+/u)
    .map((word) => word.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ""))
    .filter((word) => word !== "");
}

/** Insertions, deletions and substitutions of whole words turning `actual` into `expected`. */
export function wordEditDistance(actual: readonly string[], expected: readonly string[]): number {
  // The classic two-row dynamic programme; a page is a few hundred words, so n × m stays small.
  let previous = Array.from({ length: expected.length + 1 }, (_, column) => column);
  for (let row = 1; row <= actual.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= expected.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (actual[row - 1] === expected[column - 1] ? 0 : 1);
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[expected.length] ?? 0;
}

export interface WordAccuracy {
  /** 1 − edits ÷ source words, floored at 0. */
  readonly accuracy: number;
  readonly sourceWords: number;
  readonly edits: number;
}

export function wordAccuracy(actual: string, expected: string): WordAccuracy {
  const source = normalizedWords(expected);
  const edits = wordEditDistance(normalizedWords(actual), source);
  return { accuracy: Math.max(0, 1 - edits / Math.max(source.length, 1)), sourceWords: source.length, edits };
}
