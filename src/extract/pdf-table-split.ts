import type { Fragment } from "./pdf-table-geometry.js";

/** Helvetica's advance widths (per 1000 em) for ASCII 32 to 126, from Adobe's AFM file. */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const TYPICAL_WIDTH = 556;

/** How far (in font sizes) an estimated word start may be from the column edge it is taken for. */
const SPLIT_TOLERANCE = 0.8;

export interface Span {
  readonly left: number;
  readonly right: number;
}

/**
 * pdf.js joins text drawn close together on one baseline into one item, so a cell filled to its
 * right edge arrives glued to the next cell ("Dock manager Call the dock office…") with only a
 * space between them. pdf.js gives no position per character, so where each word starts is
 * estimated from Helvetica's widths, scaled to the item's real width: good to a few points in the
 * sans and serif faces office suites use, enough to tell which space sits at a column's left edge.
 * Returns the fragment cut at the space nearest each later column's left edge, one part per
 * column, or null when no space is near enough.
 */
export function splitAtColumns(fragment: Fragment, columns: readonly Span[]): Fragment[] | null {
  const text = fragment.text;
  const starts: number[] = [];
  let total = 0;
  for (const char of text) {
    starts.push(total);
    const code = char.codePointAt(0) ?? 0;
    total += code >= 32 && code <= 126 ? (HELVETICA[code - 32] ?? TYPICAL_WIDTH) : TYPICAL_WIDTH;
  }
  const chars = [...text];
  const scale = total > 0 ? (fragment.right - fragment.left) / total : 0;
  const xAt = (i: number): number => fragment.left + (starts[i] ?? total) * scale;

  const cuts: number[] = [];
  for (const column of columns.slice(1)) {
    let best: number | null = null;
    for (let i = (cuts.at(-1) ?? 0) + 1; i < chars.length; i += 1) {
      if (chars[i - 1] !== " " || chars[i] === " ") continue;
      if (best === null || Math.abs(xAt(i) - column.left) < Math.abs(xAt(best) - column.left)) best = i;
    }
    if (best === null || Math.abs(xAt(best) - column.left) > SPLIT_TOLERANCE * fragment.size) return null;
    cuts.push(best);
  }
  const bounds = [0, ...cuts, chars.length];
  return bounds.slice(0, -1).map((from, part) => {
    const to = bounds[part + 1] ?? chars.length;
    const right = part + 1 < bounds.length - 1 ? xAt(to) - (HELVETICA[0] ?? 0) * scale : fragment.right;
    return { ...fragment, text: chars.slice(from, to).join("").trim(), left: xAt(from), right };
  });
}
