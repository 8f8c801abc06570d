import type { TextPiece } from "./pdf-table-geometry.js";

/** A page number or "Page 3 of 7": page furniture, not content around a table. */
const PAGE_NUMBER = /^(?:(?:page|p\.)\s*)?\d+(?:\s*(?:of|\/)\s*\d+)?$/i;
/** Text this close (in font sizes) to the page's top or bottom baseline is on that line. */
const SAME_LINE_TOLERANCE = 0.3;

export interface PageEdges {
  /** Highest and lowest baselines of the page's text, page numbers aside. */
  readonly top: number;
  readonly bottom: number;
  readonly size: number;
}

export function pageEdges(pieces: readonly TextPiece[]): PageEdges {
  // Loops, not Math.max(...): a page may hold more pieces than a call takes arguments.
  let top = -Infinity;
  let bottom = Infinity;
  let size = 0;
  for (const piece of pieces) {
    if (PAGE_NUMBER.test(piece.text.trim())) continue;
    top = Math.max(top, piece.y);
    bottom = Math.min(bottom, piece.y);
    size = Math.max(size, piece.size);
  }
  return { top, bottom, size };
}

/**
 * Whether nothing but page numbers stands above a table (its first baseline at the top) or below
 * it: a table cut by a page break leaves a part of it at the page's edge, maybe a header and one
 * row only.
 */
export function atPageEdge(top: number, bottom: number, edges: PageEdges): boolean {
  const tolerance = SAME_LINE_TOLERANCE * edges.size;
  return top >= edges.top - tolerance || bottom <= edges.bottom + tolerance;
}
