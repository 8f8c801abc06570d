/**
 * Splits text into chunks of at most `size` characters, cutting where the text itself breaks:
 * a paragraph break is preferred to a line break, a line break to a sentence end, a sentence end
 * to a space. A word is cut only when it is longer than `size` on its own.
 *
 * It works in one pass over the words (whitespace-delimited tokens) instead of recursively
 * re-splitting strings, so 5 MB of text takes a fraction of a second. Every chunk is a
 * contiguous slice of the input between word boundaries, so it is trimmed by construction.
 *
 * How a cut is chosen: the chunk takes words while it fits, then ends at the strongest break
 * among the ones that leave it at least half full (the latest of equals). The room for the
 * overlap is kept free when choosing, so overlap shrinks only when a stronger break lies in it.
 * The overlap itself starts at the strongest break within its reach, so the next chunk begins
 * with a whole sentence when one fits. The line break after a Markdown heading counts as a space.
 */

export interface SplitOptions {
  /** Longest chunk, in UTF-16 code units (JavaScript string length). */
  readonly size: number;
  /** Characters of the previous chunk's end repeated at the start of the next, at most. */
  readonly overlap: number;
}

/**
 * A last chunk adding less than this fraction of `size` is folded into the previous chunk: a
 * chunk made of a few trailing words is a poor retrieval unit and wastes an embedding.
 */
export const LAST_CHUNK_MERGE_RATIO = 0.25;

/** The longest a merged last chunk can be; every other chunk is at most `size`. */
export function maxMergedChunkLength(size: number): number {
  return size + Math.floor(size * LAST_CHUNK_MERGE_RATIO);
}

const INSIDE_WORD = -1;
const WORD = 0;
const SENTENCE = 1;
const LINE = 2;
const PARAGRAPH = 3;
/** The end of the text outranks every break: a remainder that fits beside the overlap is taken whole. */
const END_OF_TEXT = 4;

// Closing quotes and brackets may follow the sentence's punctuation: `He said "stop." Then`.
const SENTENCE_END = /[.!?…。！？]["'”’)\]]*$/u;
const HIGH_SURROGATE_MIN = 0xd800;
const HIGH_SURROGATE_MAX = 0xdbff;

export function validateSplitOptions(options: SplitOptions): void {
  const { size, overlap } = options;
  if (!Number.isInteger(size) || size <= 0) {
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(`chunk overlap must be an integer in [0, size), got ${overlap} with size ${size}`);
  }
}

export function splitText(text: string, options: SplitOptions): string[] {
  validateSplitOptions(options);
  const tokens = tokenize(text, options.size);
  return planChunks(tokens, options).map((range) => text.slice(range.start, range.end));
}

/** Words as [start, end) offsets, with the strength of the break that follows each one. */
interface Tokens {
  readonly starts: number[];
  readonly ends: number[];
  readonly breakAfter: number[];
}

function tokenize(text: string, size: number): Tokens {
  const starts: number[] = [];
  const ends: number[] = [];
  const breakAfter: number[] = [];
  const word = /\S+/g;
  for (let match = word.exec(text); match !== null; match = word.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    const previous = breakAfter.length - 1;
    if (previous >= 0) {
      breakAfter[previous] = classifyBreak(text, ends[previous] ?? start, start);
    }
    if (end - start <= size) {
      starts.push(start);
      ends.push(end);
      breakAfter.push(INSIDE_WORD);
    } else {
      for (const piece of hardSplit(text, start, end, size)) {
        starts.push(piece.start);
        ends.push(piece.end);
        breakAfter.push(INSIDE_WORD);
      }
    }
  }
  if (breakAfter.length > 0) {
    breakAfter[breakAfter.length - 1] = END_OF_TEXT;
  }
  return { starts, ends, breakAfter };
}

function classifyBreak(text: string, gapStart: number, gapEnd: number): number {
  const firstNewline = text.indexOf("\n", gapStart);
  if (firstNewline !== -1 && firstNewline < gapEnd) {
    // A heading belongs with the text under it: a chunk ending on one would strand it.
    if (text.charAt(text.lastIndexOf("\n", gapStart - 1) + 1) === "#") {
      return WORD;
    }
    const secondNewline = text.indexOf("\n", firstNewline + 1);
    return secondNewline !== -1 && secondNewline < gapEnd ? PARAGRAPH : LINE;
  }
  // Only the word's last few characters matter; slicing them keeps the regex off long words.
  return SENTENCE_END.test(text.slice(Math.max(0, gapStart - 4), gapStart)) ? SENTENCE : WORD;
}

/** A word longer than `size` is cut into `size`-long pieces, never between a surrogate pair. */
function hardSplit(text: string, start: number, end: number, size: number): { start: number; end: number }[] {
  const pieces: { start: number; end: number }[] = [];
  let pieceStart = start;
  while (pieceStart < end) {
    let pieceEnd = Math.min(pieceStart + size, end);
    const lastUnit = text.charCodeAt(pieceEnd - 1);
    if (pieceEnd < end && pieceEnd - 1 > pieceStart && isHighSurrogate(lastUnit)) {
      pieceEnd -= 1;
    }
    pieces.push({ start: pieceStart, end: pieceEnd });
    pieceStart = pieceEnd;
  }
  return pieces;
}

function isHighSurrogate(codeUnit: number): boolean {
  return codeUnit >= HIGH_SURROGATE_MIN && codeUnit <= HIGH_SURROGATE_MAX;
}

interface ChunkRange {
  start: number;
  end: number;
  /** Where the chunk's own text begins, after the overlap repeated from the previous chunk. */
  readonly ownStart: number;
}

function planChunks(tokens: Tokens, options: SplitOptions): ChunkRange[] {
  const { starts, ends } = tokens;
  const { size, overlap } = options;
  const chunks: ChunkRange[] = [];
  let next = 0;
  while (next < starts.length) {
    const previous = chunks.at(-1);
    const last = chooseLastToken(tokens, next, previous === undefined ? size : size - overlap, size);
    const ownStart = starts[next] ?? 0;
    const end = ends[last] ?? ownStart;
    const start = previous === undefined ? ownStart : overlapStart(tokens, next, previous, end, options);
    chunks.push({ start, end, ownStart });
    next = last + 1;
  }
  mergeShortLastChunk(chunks, size);
  return chunks;
}

/**
 * The index of the token that ends the chunk beginning at token `first`. `budget` is the room
 * for the chunk's own text once the overlap is reserved; a break beyond it, up to `size`, is
 * taken only when it is stronger than any within it (say a paragraph end against a sentence end).
 */
function chooseLastToken(tokens: Tokens, first: number, budget: number, size: number): number {
  const { starts, ends, breakAfter } = tokens;
  const chunkStart = starts[first] ?? 0;
  const minimumFill = Math.ceil(budget / 2);
  let bestWithinBudget = -1;
  let bestWithinBudgetStrength = -Infinity;
  let lastWithinBudget = -1;
  let bestBeyondBudget = -1;
  let bestBeyondBudgetStrength = -Infinity;
  for (let index = first; index < ends.length; index += 1) {
    const length = (ends[index] ?? 0) - chunkStart;
    if (length > size) {
      break;
    }
    const strength = breakAfter[index] ?? WORD;
    if (length <= budget) {
      lastWithinBudget = index;
      if (length >= minimumFill && strength >= bestWithinBudgetStrength) {
        bestWithinBudget = index;
        bestWithinBudgetStrength = strength;
      }
    } else if (strength !== END_OF_TEXT && strength > bestBeyondBudgetStrength) {
      // The earliest of equals, as it costs the least overlap. The end of the text is not worth
      // losing the overlap for: the rest makes the next chunk, or is merged into this one if short.
      bestBeyondBudget = index;
      bestBeyondBudgetStrength = strength;
    }
  }
  if (bestBeyondBudget !== -1 && bestBeyondBudgetStrength > bestWithinBudgetStrength) {
    return bestBeyondBudget;
  }
  if (bestWithinBudget !== -1) {
    return bestWithinBudget;
  }
  // No break leaves the chunk half full (long words): take what fits; the first token always does.
  return lastWithinBudget !== -1 ? lastWithinBudget : first;
}

/**
 * Where the repeated text from the previous chunk begins: at most `overlap` characters back, with
 * the whole chunk still within `size`, at a word start. Among those, the one after the strongest
 * break wins (the earliest of equals), so a chunk starts with a whole sentence when one fits
 * rather than mid-sentence. No word start qualifies: no overlap.
 */
function overlapStart(
  tokens: Tokens,
  first: number,
  previous: ChunkRange,
  end: number,
  options: SplitOptions,
): number {
  const { starts, breakAfter } = tokens;
  const earliest = Math.max(previous.start, previous.end - options.overlap, end - options.size);
  let start = starts[first] ?? 0;
  let strongestBreak = INSIDE_WORD;
  for (let index = first - 1; index >= 0; index -= 1) {
    const candidate = starts[index] ?? 0;
    if (candidate < earliest) {
      break;
    }
    const breakBefore = breakAfter[index - 1] ?? PARAGRAPH;
    // A piece of a hard-split word does not start at a word boundary.
    if (breakBefore !== INSIDE_WORD && breakBefore >= strongestBreak) {
      start = candidate;
      strongestBreak = breakBefore;
    }
  }
  return start;
}

function mergeShortLastChunk(chunks: ChunkRange[], size: number): void {
  const last = chunks.at(-1);
  const previous = chunks.at(-2);
  if (last === undefined || previous === undefined) {
    return;
  }
  const addsLittle = last.end - last.ownStart < size * LAST_CHUNK_MERGE_RATIO;
  if (addsLittle && last.end - previous.start <= maxMergedChunkLength(size)) {
    previous.end = last.end;
    chunks.pop();
  }
}
