import { estimateTokens, type TokenCounter } from "./token-count.js";

/**
 * Splits text into chunks of at most `size` tokens, cutting where the text itself breaks: a
 * heading is preferred to a paragraph break, a paragraph break to a line break, a line break to
 * a sentence end, a sentence end to a space. A word is cut only when it is longer than `size`
 * tokens on its own (a URL or a base64 blob, say).
 *
 * A chunk's size is the sum of its words' token counts (see TokenCounter), so whitespace is free
 * and each distinct word is tokenized once. It works in one pass over the words instead of
 * recursively re-splitting strings, so 5 MB of text takes a fraction of a second. Every chunk is
 * a contiguous slice of the input between word boundaries, so it is trimmed by construction.
 *
 * How a cut is chosen: the chunk takes words while it fits, then ends at the strongest break
 * among the ones that leave it at least half full (the latest of equals). The room for the
 * overlap is kept free when choosing, so overlap shrinks only when a stronger break lies in it.
 * The overlap itself starts at the strongest break within its reach, so the next chunk begins
 * with a whole sentence when one fits. The line break after a Markdown heading counts as a space.
 */

export interface SplitOptions {
  /** Longest chunk, in tokens. */
  readonly size: number;
  /** Tokens of the previous chunk's end repeated at the start of the next, at most. */
  readonly overlap: number;
  /** Tokens in one word: the embedder's tokenizer, or estimateTokens when it has none. */
  readonly countTokens?: TokenCounter;
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
/** A line break before a Markdown heading: the heading starts the next chunk with its text. */
const HEADING = 4;
/** The end of the text outranks every break: a remainder that fits beside the overlap is taken whole. */
const END_OF_TEXT = 5;

// Closing quotes and brackets may follow the sentence's punctuation: `He said "stop." Then`.
const SENTENCE_END = /[.!?…。！？]["'”’)\]]*$/u;
const MARKDOWN_HEADING = /^#{1,6}[ \t]/;
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
  const count = options.countTokens ?? estimateTokens;
  const words = tokenize(text, options.size, count);
  return planChunks(words, options).map((range) => text.slice(range.start, range.end));
}

/**
 * Words as [start, end) offsets, with the strength of the break that follows each one, and the
 * running total of tokens before each word (`tokensBefore[i]`, one entry more than words), so the
 * tokens of words i..j are `tokensBefore[j + 1] - tokensBefore[i]`.
 */
interface Words {
  readonly starts: number[];
  readonly ends: number[];
  readonly breakAfter: number[];
  readonly tokensBefore: number[];
}

function tokenize(text: string, size: number, count: TokenCounter): Words {
  const starts: number[] = [];
  const ends: number[] = [];
  const breakAfter: number[] = [];
  const tokensBefore: number[] = [0];
  let total = 0;
  const push = (start: number, end: number, tokens: number) => {
    starts.push(start);
    ends.push(end);
    breakAfter.push(INSIDE_WORD);
    total += tokens;
    tokensBefore.push(total);
  };
  const word = /\S+/g;
  for (let match = word.exec(text); match !== null; match = word.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    const previous = breakAfter.length - 1;
    if (previous >= 0) {
      breakAfter[previous] = classifyBreak(text, ends[previous] ?? start, start);
    }
    const tokens = count(match[0]);
    if (tokens <= size) {
      push(start, end, tokens);
    } else {
      for (const piece of hardSplit(text, start, end, tokens, size, count)) {
        push(piece.start, piece.end, piece.tokens);
      }
    }
  }
  if (breakAfter.length > 0) {
    breakAfter[breakAfter.length - 1] = END_OF_TEXT;
  }
  return { starts, ends, breakAfter, tokensBefore };
}

function classifyBreak(text: string, gapStart: number, gapEnd: number): number {
  const firstNewline = text.indexOf("\n", gapStart);
  if (firstNewline !== -1 && firstNewline < gapEnd) {
    // A heading belongs with the text under it: a chunk ending on one would strand it.
    if (text.charAt(text.lastIndexOf("\n", gapStart - 1) + 1) === "#") {
      return WORD;
    }
    if (text.charAt(gapEnd) === "#" && MARKDOWN_HEADING.test(text.slice(gapEnd, gapEnd + 8))) {
      return HEADING;
    }
    const secondNewline = text.indexOf("\n", firstNewline + 1);
    return secondNewline !== -1 && secondNewline < gapEnd ? PARAGRAPH : LINE;
  }
  // Only the word's last few characters matter; slicing them keeps the regex off long words.
  return SENTENCE_END.test(text.slice(Math.max(0, gapStart - 4), gapStart)) ? SENTENCE : WORD;
}

/**
 * A word longer than `size` tokens is cut into pieces of at most `size` tokens, never between a
 * surrogate pair. A piece's length in characters starts from the word's own characters per
 * token and shrinks until the piece fits, since tokens per character vary along a word.
 */
function hardSplit(
  text: string,
  start: number,
  end: number,
  wordTokens: number,
  size: number,
  count: TokenCounter,
): { start: number; end: number; tokens: number }[] {
  const pieces: { start: number; end: number; tokens: number }[] = [];
  const guess = Math.max(1, Math.floor((size * (end - start)) / wordTokens));
  let pieceStart = start;
  while (pieceStart < end) {
    let length = guess;
    let pieceEnd: number;
    let tokens: number;
    for (;;) {
      pieceEnd = Math.min(pieceStart + length, end);
      if (pieceEnd < end && pieceEnd - 1 > pieceStart && isHighSurrogate(text.charCodeAt(pieceEnd - 1))) {
        pieceEnd -= 1;
      }
      tokens = count(text.slice(pieceStart, pieceEnd));
      if (tokens <= size || pieceEnd - pieceStart <= 2) break;
      length = Math.max(1, Math.floor(((pieceEnd - pieceStart) * size) / tokens) - 1);
    }
    pieces.push({ start: pieceStart, end: pieceEnd, tokens: Math.min(tokens, size) });
    pieceStart = pieceEnd;
  }
  return pieces;
}

function isHighSurrogate(codeUnit: number): boolean {
  return codeUnit >= HIGH_SURROGATE_MIN && codeUnit <= HIGH_SURROGATE_MAX;
}

/** A chunk as character offsets, and as the words it spans (first and last inclusive). */
interface ChunkRange {
  start: number;
  end: number;
  firstWord: number;
  lastWord: number;
  /** The first word of the chunk's own text, after the overlap repeated from the previous chunk. */
  readonly ownFirstWord: number;
}

function tokensBetween(words: Words, first: number, last: number): number {
  return (words.tokensBefore[last + 1] ?? 0) - (words.tokensBefore[first] ?? 0);
}

function planChunks(words: Words, options: SplitOptions): ChunkRange[] {
  const { starts, ends } = words;
  const { size, overlap } = options;
  const chunks: ChunkRange[] = [];
  let next = 0;
  while (next < starts.length) {
    const previous = chunks.at(-1);
    const last = chooseLastWord(words, next, previous === undefined ? size : size - overlap, size);
    const firstWord = previous === undefined ? next : overlapStart(words, next, previous, last, options);
    chunks.push({
      start: starts[firstWord] ?? 0,
      end: ends[last] ?? 0,
      firstWord,
      lastWord: last,
      ownFirstWord: next,
    });
    next = last + 1;
  }
  mergeShortLastChunk(chunks, words, size);
  return chunks;
}

/**
 * The index of the word that ends the chunk beginning at word `first`. `budget` is the room (in
 * tokens) for the chunk's own text once the overlap is reserved; a break beyond it, up to `size`,
 * is taken only when it is stronger than any within it (say a paragraph end against a sentence end).
 */
function chooseLastWord(words: Words, first: number, budget: number, size: number): number {
  const { ends, breakAfter } = words;
  const minimumFill = Math.ceil(budget / 2);
  let bestWithinBudget = -1;
  let bestWithinBudgetStrength = -Infinity;
  let lastWithinBudget = -1;
  let bestBeyondBudget = -1;
  let bestBeyondBudgetStrength = -Infinity;
  for (let index = first; index < ends.length; index += 1) {
    const length = tokensBetween(words, first, index);
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
  // No break leaves the chunk half full (long words): take what fits; the first word always does.
  return lastWithinBudget !== -1 ? lastWithinBudget : first;
}

/**
 * The first word of the chunk whose own text starts at word `first` and ends at word `last`: it
 * reaches back at most `overlap` tokens, with the whole chunk still within `size`, at a word start.
 * Among those, the one after the strongest break wins (the earliest of equals), so a chunk starts
 * with a whole sentence when one fits rather than mid-sentence. No word qualifies: no overlap.
 */
function overlapStart(
  words: Words,
  first: number,
  previous: ChunkRange,
  last: number,
  options: SplitOptions,
): number {
  const { breakAfter } = words;
  let start = first;
  let strongestBreak = INSIDE_WORD;
  for (let index = first - 1; index >= previous.firstWord; index -= 1) {
    if (
      tokensBetween(words, index, first - 1) > options.overlap ||
      tokensBetween(words, index, last) > options.size
    ) {
      break;
    }
    const breakBefore = breakAfter[index - 1] ?? PARAGRAPH;
    // A piece of a hard-split word does not start at a word boundary.
    if (breakBefore !== INSIDE_WORD && breakBefore >= strongestBreak) {
      start = index;
      strongestBreak = breakBefore;
    }
  }
  return start;
}

function mergeShortLastChunk(chunks: ChunkRange[], words: Words, size: number): void {
  const last = chunks.at(-1);
  const previous = chunks.at(-2);
  if (last === undefined || previous === undefined) {
    return;
  }
  const addsLittle = tokensBetween(words, last.ownFirstWord, last.lastWord) < size * LAST_CHUNK_MERGE_RATIO;
  if (addsLittle && tokensBetween(words, previous.firstWord, last.lastWord) <= maxMergedChunkLength(size)) {
    previous.end = last.end;
    previous.lastWord = last.lastWord;
    chunks.pop();
  }
}
