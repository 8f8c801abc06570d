/**
 * Positions of the text pdf.js found on a page, in PDF points (y grows upwards), reduced to what
 * table detection needs. Pure data: tested without a PDF.
 */

/** One non-blank text item of pdf.js's getTextContent, at its index among the page's items. */
export interface TextPiece {
  readonly index: number;
  readonly text: string;
  readonly x: number;
  /** Baseline. */
  readonly y: number;
  readonly width: number;
  /** Font size in points (pdf.js's item height). */
  readonly size: number;
  /** Set horizontally; rotated or skewed text never joins a table. */
  readonly upright: boolean;
  /** Set in a fixed-pitch font (pdf.js's guess from the font): code, listings, option lists. */
  readonly monospace: boolean;
}

/** Text on one baseline with no wide gap inside: a cell's line, or a whole line of prose. */
export interface Fragment {
  readonly text: string;
  readonly left: number;
  readonly right: number;
  readonly y: number;
  readonly size: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly monospace: boolean;
}

/** Pieces within this share of the font size of each other's baseline sit on one line. */
const SAME_BASELINE = 0.3;
/**
 * A gap of this many font sizes splits a line into fragments (cells). A word space is about 0.25 em
 * (pdf.js keeps it inside its items); table cells are set at least the two cell paddings apart, and
 * pdf.js cuts its items at gaps over about 0.6 em.
 */
const CELL_GAP = 0.55;
/** Pieces further apart than this (in font sizes) but closer than CELL_GAP are separate words. */
const WORD_GAP = 0.15;

export function sameBaseline(a: number, b: number, size: number): boolean {
  return Math.abs(a - b) <= SAME_BASELINE * size;
}

/**
 * Pieces in the order the PDF draws them, cut wherever the drawing leaves the baseline or moves
 * back left: one run per drawn line, in drawing order. LibreOffice draws a table cell by cell, row by
 * row, so a wrapped cell's second line is its own run between the cells of its row.
 */
export function drawnLines(pieces: readonly TextPiece[]): TextPiece[][] {
  const lines: TextPiece[][] = [];
  let line: TextPiece[] = [];
  for (const piece of pieces) {
    const last = line.at(-1);
    const continues =
      last !== undefined &&
      sameBaseline(piece.y, last.y, Math.max(piece.size, last.size)) &&
      piece.x >= last.x + last.width - SAME_BASELINE * last.size;
    if (!continues && line.length > 0) {
      lines.push(line);
      line = [];
    }
    line.push(piece);
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** A drawn line split at its wide gaps. */
export function fragmentsOf(line: readonly TextPiece[]): Fragment[] {
  const groups: Array<[TextPiece, ...TextPiece[]]> = [];
  for (const piece of line) {
    const group = groups.at(-1);
    const last = group?.at(-1);
    if (
      group === undefined ||
      last === undefined ||
      piece.x - (last.x + last.width) >= CELL_GAP * piece.size
    ) {
      groups.push([piece]);
    } else {
      group.push(piece);
    }
  }
  return groups.map(fragment);
}

function fragment(pieces: readonly [TextPiece, ...TextPiece[]]): Fragment {
  let text = "";
  let right = -Infinity;
  for (const piece of pieces) {
    const gap = piece.x - right;
    const spaced = /\s$/.test(text) || /^\s/.test(piece.text);
    if (text !== "" && !spaced && gap > WORD_GAP * piece.size) text += " ";
    text += piece.text;
    right = Math.max(right, piece.x + piece.width);
  }
  const first = pieces[0];
  const last = pieces[pieces.length - 1] ?? first;
  return {
    text: text.replace(/\s+/g, " ").trim(),
    left: first.x,
    right,
    y: first.y,
    size: pieces.reduce((largest, p) => Math.max(largest, p.size), 0),
    firstIndex: first.index,
    lastIndex: last.index,
    monospace: pieces.every((p) => p.monospace),
  };
}
