/**
 * rag-corp's SimpleTextChunker, boundary for boundary, so a document ingested by ragworker gets
 * the chunks (and so the chunk rows, embeddings and search results) rag-corp's own worker
 * would give it. Sizes count Unicode code points, as Python's `len` does, not UTF-16 units.
 *
 * The cut for a chunk starting at `start` aims at `target = start + size`: the first separator
 * kind (paragraph, line, sentence, clause, comma, space) with an occurrence starting in the
 * last 120 code points before `target` wins, at its last occurrence there, and the cut falls
 * right after it; with none, the cut is at `target`, mid-word. A stronger separator far back
 * beats a weaker one close to `target`. Each fragment is trimmed (Python's whitespace set); the
 * next one starts `overlap` code points before the cut, mid-word as often as not. A short last
 * chunk is folded into the one before it.
 *
 * Unlike rag-corp, which silently drops everything after its 2000th chunk, chunkCharacters
 * fails the document when it has more than `maxChunks` chunks.
 */
import { PermanentError } from "../errors/permanent-error.js";
import { pythonStripBounds } from "../text/python-whitespace.js";

/** Tried in this order; the first kind found in the window decides the cut. */
export const CHARACTER_SEPARATORS: readonly string[] = ["\n\n", "\n", ". ", "; ", ", ", " "];

/** How far before the target a separator may start, in code points. */
export const CHARACTER_SPLIT_WINDOW = 120;

/** rag-corp's defaults (CHUNK_SIZE, CHUNK_OVERLAP, its chunk cap). */
export const CHARACTER_CHUNK_DEFAULTS = { size: 900, overlap: 120, maxChunks: 2000 } as const;

export interface CharacterChunkOptions {
  /** Target chunk length in code points (rag-corp's CHUNK_SIZE). */
  readonly size: number;
  /** Code points repeated from the end of one fragment at the start of the next (CHUNK_OVERLAP). */
  readonly overlap: number;
  /** More chunks than this fails the document for good. */
  readonly maxChunks: number;
}

export interface CharacterFragment {
  /** First code point of the raw fragment, in the stripped input. */
  readonly start: number;
  /** The cut: the code point after the raw fragment, in the stripped input. */
  readonly end: number;
  /** The raw fragment stripped; never empty. */
  readonly content: string;
}

/**
 * The fragments before the tail merge, as rag-corp's `chunk_fragments` gives them: at most
 * `limit` of them (rag-corp stops at 2000), offsets in code points of the input after stripping.
 * A fragment that strips to nothing is skipped and does not count toward `limit`.
 */
export function characterFragments(
  text: string,
  options: { readonly size: number; readonly overlap: number; readonly limit: number },
): CharacterFragment[] {
  validateSizes(options.size, options.overlap);
  if (!(Number.isInteger(options.limit) || options.limit === Infinity) || options.limit <= 0) {
    throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
  }
  const { size, overlap, limit } = options;
  const [from, to] = pythonStripBounds(text);
  const stripped = text.slice(from, to);
  const points = new CodePointIndex(stripped);
  const length = points.length;
  const fragments: CharacterFragment[] = [];
  let start = 0;
  while (start < length && fragments.length < limit) {
    const target = start + size;
    const last = target >= length;
    const cut = last ? length : findCut(stripped, points, target);
    const [contentStart, contentEnd] = pythonStripBounds(stripped, points.unit(start), points.unit(cut));
    if (contentEnd > contentStart) {
      fragments.push({ start, end: cut, content: stripped.slice(contentStart, contentEnd) });
    }
    if (last) break;
    start = Math.max(start + 1, cut - overlap);
  }
  return fragments;
}

/**
 * rag-corp's chunks for `text` (already normalised, see normalizeRagCorpText), in chunk_index
 * order; none for blank text. Throws TOO_MANY_CHUNKS where rag-corp would silently truncate.
 */
export function chunkCharacters(text: string, options: CharacterChunkOptions): string[] {
  const { size, overlap, maxChunks } = options;
  if (!Number.isInteger(maxChunks) || maxChunks <= 0) {
    throw new RangeError(`maxChunks must be a positive integer, got ${maxChunks}`);
  }
  // One fragment past the cap is enough to know rag-corp would have dropped text; chunking the
  // rest of a huge text only to count it would be wasted work.
  const fragments = characterFragments(text, { size, overlap, limit: maxChunks + 1 });
  if (fragments.length > maxChunks) {
    throw new PermanentError("TOO_MANY_CHUNKS", `too many chunks: more than MAX_CHUNKS=${maxChunks}`, {
      limit: maxChunks,
    });
  }
  return mergeShortTail(
    fragments.map((fragment) => fragment.content),
    size,
  );
}

/** A last chunk shorter than this (code points) is folded into the previous one. */
export function tailMergeMinimum(size: number): number {
  return Math.max(80, Math.floor(size * 0.25));
}

/**
 * rag-corp's tail merge: `prev.rstrip() + "\n\n" + last.lstrip()`, stripped. Fragments are
 * stripped already, so that is the two joined by a blank line. The merged chunk repeats the
 * overlap and can be longer than `size`.
 */
export function mergeShortTail(chunks: readonly string[], size: number): string[] {
  const merged = [...chunks];
  const last = merged.at(-1);
  const previous = merged.at(-2);
  if (last !== undefined && previous !== undefined && countCodePoints(last) < tailMergeMinimum(size)) {
    merged.splice(-2, 2, `${previous}\n\n${last}`);
  }
  return merged;
}

function validateSizes(size: number, overlap: number): void {
  if (!Number.isInteger(size) || size <= 0) {
    throw new RangeError(`size must be a positive integer, got ${size}`);
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(`overlap must be an integer in [0, size), got ${overlap} (size ${size})`);
  }
}

/**
 * Where the fragment aiming at code point `target` ends. Each search looks only at the window
 * (at most 120 code points plus the separator), never further back: an unbounded lastIndexOf
 * would rescan the whole text for every chunk of a text without, say, "\n\n".
 */
function findCut(text: string, points: CodePointIndex, target: number): number {
  const windowStart = points.unit(Math.max(0, target - CHARACTER_SPLIT_WINDOW));
  const targetUnit = points.unit(target);
  for (const separator of CHARACTER_SEPARATORS) {
    // Separators are ASCII: one code unit per code point, so an occurrence starting at or
    // before the target ends by `targetUnit + separator.length`.
    const windowEnd = Math.min(text.length, targetUnit + separator.length);
    const found = text.slice(windowStart, windowEnd).lastIndexOf(separator);
    if (found >= 0) return points.codePoint(windowStart + found) + separator.length;
  }
  return target;
}

/** Maps code-point offsets to UTF-16 offsets and back; the identity for text without surrogates. */
class CodePointIndex {
  readonly length: number;
  /** UTF-16 offset of each code point, plus the text's length at the end; absent when identical. */
  private readonly units: Int32Array | undefined;

  constructor(text: string) {
    if (!/[\uD800-\uDFFF]/.test(text)) {
      this.length = text.length;
      this.units = undefined;
      return;
    }
    // A lone surrogate counts as one code point, as Python counts it.
    const units = new Int32Array(text.length + 1);
    let count = 0;
    for (let unit = 0; unit < text.length; unit += 1) {
      units[count] = unit;
      count += 1;
      if (isHighSurrogate(text.charCodeAt(unit)) && isLowSurrogate(text.charCodeAt(unit + 1))) unit += 1;
    }
    units[count] = text.length;
    this.length = count;
    this.units = units.subarray(0, count + 1);
  }

  /** UTF-16 offset of code point `index` (0 ≤ index ≤ length). */
  unit(index: number): number {
    return this.units === undefined ? index : (this.units[index] ?? Number.NaN);
  }

  /** Code-point offset of a UTF-16 offset that starts a code point. */
  codePoint(unit: number): number {
    const units = this.units;
    if (units === undefined) return unit;
    let low = 0;
    let high = units.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((units[middle] ?? 0) < unit) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function countCodePoints(text: string): number {
  let count = text.length;
  for (let unit = 0; unit < text.length - 1; unit += 1) {
    if (isHighSurrogate(text.charCodeAt(unit)) && isLowSurrogate(text.charCodeAt(unit + 1))) {
      count -= 1;
      unit += 1;
    }
  }
  return count;
}
