import {
  drawnLines,
  type Fragment,
  fragmentsOf,
  sameBaseline,
  type TextPiece,
} from "./pdf-table-geometry.js";
import { CUT_TABLE_MIN_ROWS, isListMarker, looksLikeTable, TABLE_MIN_ROWS } from "./pdf-table-checks.js";
import { atPageEdge, pageEdges } from "./pdf-table-page-edges.js";
import { splitAtColumns } from "./pdf-table-split.js";

/** A table found on a page: the items it replaces and its cells, header row first. */
export interface PdfTable {
  /** Index (among the page's text items) of the table's first and last item. */
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly rows: string[][];
}

/**
 * A wrapped cell's next line sits one line spacing lower (1.2 font sizes as LibreOffice sets it);
 * further down is a new row or the paragraph after the table.
 */
const CONTINUATION_STEP = 1.35;
/** A new row starts at most this many font sizes below the lowest line of the row before. */
const MAX_ROW_STEP = 1.9;
/** Rows may sit this many font sizes further apart than the table's first two (rounding, borders). */
const ROW_STEP_TOLERANCE = 0.25;
/**
 * Lines of one cell are set exactly one line spacing apart (up to rounding); a heading or caption
 * above the table is further off by its paragraph spacing, often by only a sixth of a font size.
 */
const LINE_STEP_TOLERANCE = 0.08;
/** Lines walked per line of the page, at most, in search of tables (a real page needs a few). */
const WALK_BUDGET_PER_LINE = 8;

interface Column {
  left: number;
  right: number;
}

interface Row {
  readonly y: number;
  lowest: number;
  readonly firstLine: number;
  readonly cells: Map<Column, string[]>;
}

interface Placed {
  readonly column: Column;
  readonly y: number;
}

/**
 * Tables among a page's text pieces, in drawing order. A table is a run of drawn lines that starts
 * with a line split into two or more fragments by wide gaps, whose fragments keep to the same
 * vertical bands (columns: left, right and centred cells alike, since a band is the union of the
 * x-ranges it holds), with each row's cells on one baseline and a wrapped cell's further lines
 * drawn right after it, one line lower, in its own band. Runs that fail the checks of
 * looksLikeTable (too few rows or columns, a list's markers) stay prose.
 */
export function findTables(pieces: readonly TextPiece[]): PdfTable[] {
  const lines = drawnLines(pieces).map((line) => ({
    fragments: fragmentsOf(line),
    upright: line.every((piece) => piece.upright),
  }));
  const edges = pageEdges(pieces);
  // Each start walks the lines below it: bounded, so a page of ten thousand aligned lines that are
  // no table (a hostile file) costs linear time; past the budget the rest of the page stays flat.
  const budget = { lines: WALK_BUDGET_PER_LINE * lines.length };
  const tables: PdfTable[] = [];
  let start = 0;
  while (start < lines.length && budget.lines > 0) {
    const found = tableAt(lines, start, budget);
    const minRows =
      found !== null && atPageEdge(found.top, found.bottom, edges) ? CUT_TABLE_MIN_ROWS : TABLE_MIN_ROWS;
    if (found === null || !looksLikeTable(found.table.rows, minRows)) {
      start += 1;
    } else {
      tables.push(found.table);
      start = found.end;
    }
  }
  return tables;
}

/**
 * A cell's lines as one text. LibreOffice breaks a line after a hyphen ("re-" / "index"), so a
 * line ending in a hyphen right after a letter or digit goes on without a space.
 */
export function cellText(lines: readonly string[]): string {
  return lines.reduce(
    (text, line) => (text === "" ? line : /[\p{L}\p{N}]-$/u.test(text) ? text + line : `${text} ${line}`),
    "",
  );
}

/** A marker set apart from the text after it: a list item's line, not a table row. */
function listItem(fragments: readonly Fragment[]): boolean {
  return fragments.length >= 2 && isListMarker(fragments[0]?.text ?? "");
}

interface Found {
  readonly table: PdfTable;
  /** The drawn line after the table's last. */
  readonly end: number;
  /** Baselines of the table's first and lowest lines. */
  readonly top: number;
  readonly bottom: number;
}

interface Line {
  readonly fragments: readonly Fragment[];
  readonly upright: boolean;
}

function tableAt(lines: readonly Line[], start: number, budget: { lines: number }): Found | null {
  const first = lines[start];
  if (first === undefined || first.fragments.length < 2 || !first.upright) return null;
  // A list item's marker sits apart from its text like a cell: list lines neither start a table
  // nor join one as rows (a table right under a list stays apart from it).
  if (listItem(first.fragments)) return null;
  const columns: Column[] = [];
  const rows: Row[] = [];
  let previous: Placed | null = null;
  /** Baseline to baseline from one row's last line to the next row, as first seen in this table. */
  let rowStep: number | undefined;
  /** Baseline to baseline within a wrapped cell, as first seen in this table. */
  let lineStep: number | undefined;
  let codeInHeader = false;
  let end = start;
  for (; end < lines.length; end += 1) {
    budget.lines -= 1;
    const line = lines[end];
    if (line === undefined || !line.upright || budget.lines < 0) break;
    const placed = placeLine(line.fragments);
    if (placed === null) break;
    const { fragments, bands } = placed;
    const row = rows.at(-1);
    const head = fragments[0];
    const headBand = bands[0];
    if (head === undefined || headBand === undefined) break;
    const size = head.size;
    let target: Row;
    if (row === undefined) {
      target = newRow(head.y, end);
      rows.push(target);
    } else if (sameBaseline(head.y, row.y, size)) {
      // Back up to the row's baseline after a wrapped cell: the row's next cells.
      if (bands.some((band) => row.cells.has(band))) break;
      target = row;
    } else if (
      previous !== null &&
      fragments.length === 1 &&
      headBand === previous.column &&
      head.y < previous.y &&
      previous.y - head.y <= CONTINUATION_STEP * size
    ) {
      row.cells.get(headBand)?.push(head.text);
      row.lowest = Math.min(row.lowest, head.y);
      lineStep ??= previous.y - head.y;
      previous = { column: headBand, y: head.y };
      commit(fragments, bands);
      continue;
    } else if (head.y < row.lowest && isRowStep(row.lowest - head.y, size) && !listItem(fragments)) {
      rowStep ??= row.lowest - head.y;
      target = newRow(head.y, end);
      rows.push(target);
    } else {
      break;
    }
    fragments.forEach((fragment, i) => {
      const band = bands[i];
      if (band !== undefined) target.cells.set(band, [fragment.text]);
      if (target === rows[0] && fragment.monospace) codeInHeader = true;
    });
    commit(fragments, bands);
    target.lowest = fragments.reduce((lowest, f) => Math.min(lowest, f.y), target.lowest);
    const last = fragments.at(-1);
    const lastBand = bands.at(-1);
    if (last !== undefined && lastBand !== undefined) previous = { column: lastBand, y: last.y };
  }

  // A short line right under the table (a caption, the next paragraph's first line) lands in one
  // band and so looks like a row with one cell: a row needs two cells to end a table.
  while (rows.length > 0 && (rows.at(-1)?.cells.size ?? 0) < 2) {
    end = rows.pop()?.firstLine ?? end;
  }

  const begin = rows[0] === undefined ? start : headerLinesAbove(rows[0]);
  // Headers are words. Fixed-pitch text in the first row is an option list ("-v, --verbose   say
  // more"), a listing or a dump whose columns line up, and its first line is no header.
  if (codeInHeader) return null;

  const ordered = [...columns].sort((a, b) => a.left - b.left);
  const cells = rows.map((row) => ordered.map((column) => cellText(row.cells.get(column) ?? [])));
  const lastLine = lines[end - 1];
  const firstFragment = lines[begin]?.fragments[0];
  const lastFragment = lastLine?.fragments.at(-1);
  if (firstFragment === undefined || lastFragment === undefined) return null;
  return {
    table: { firstIndex: firstFragment.firstIndex, lastIndex: lastFragment.lastIndex, rows: cells },
    end,
    top: rows[0]?.y ?? 0,
    bottom: rows.reduce((lowest, row) => Math.min(lowest, row.lowest), Infinity),
  };

  /**
   * Word's tables (and LibreOffice's from DOCX) set header cells on the bottom line: a header cell
   * that wraps starts above the row's baseline, and it and the cells left of it are drawn before the
   * line where the table was found. Those lines join the header: one on its baseline in an empty
   * band, or one exactly a wrapped cell's line spacing above a header cell in its band (a heading
   * or caption right above the table sits further up, at paragraph spacing). Returns the first
   * drawn line of the table.
   */
  function headerLinesAbove(header: Row): number {
    const tops = new Map([...header.cells.keys()].map((band) => [band, header.y]));
    let begin = start;
    for (let j = start - 1; j >= 0; j -= 1) {
      const line = lines[j];
      const fragment = line?.fragments[0];
      if (line === undefined || fragment === undefined || line.fragments.length !== 1 || !line.upright) break;
      const inBands = columns.filter((c) => fragment.left < c.right && fragment.right > c.left);
      const band = inBands[0];
      if (band === undefined || inBands.length > 1) break;
      const left = Math.min(band.left, fragment.left);
      const right = Math.max(band.right, fragment.right);
      if (columns.some((other) => other !== band && left < other.right && right > other.left)) break;
      const top = tops.get(band);
      if (fragment.monospace) codeInHeader = true;
      if (top === undefined && sameBaseline(fragment.y, header.y, fragment.size)) {
        header.cells.set(band, [fragment.text]);
      } else if (
        top !== undefined &&
        lineStep !== undefined &&
        Math.abs(fragment.y - top - lineStep) <= LINE_STEP_TOLERANCE * fragment.size
      ) {
        header.cells.get(band)?.unshift(fragment.text);
      } else {
        break;
      }
      tops.set(band, fragment.y);
      begin = j;
    }
    return begin;
  }

  /**
   * Rows of one table are set the same distance apart; the paragraph after it sits further down
   * (paragraph spacing), even when its first line happens to fall into the bands.
   */
  function isRowStep(step: number, size: number): boolean {
    if (rowStep === undefined) return step <= MAX_ROW_STEP * size;
    return step <= rowStep + ROW_STEP_TOLERANCE * size;
  }

  function newRow(y: number, firstLine: number): Row {
    return { y, lowest: y, firstLine, cells: new Map() };
  }

  /** Widens each band to take its fragment in, or opens a band for a fragment in none. */
  function commit(fragments: readonly Fragment[], bands: readonly Column[]): void {
    fragments.forEach((fragment, i) => {
      const band = bands[i];
      if (band === undefined) return;
      if (!columns.includes(band)) columns.push(band);
      band.left = Math.min(band.left, fragment.left);
      band.right = Math.max(band.right, fragment.right);
    });
  }

  /**
   * The line's fragments, each with the band it falls in: an existing band it overlaps, or a new one
   * when a line of several fragments has one in the gutter (a column whose earlier cells were
   * empty). A fragment across several bands is cut at their edges (splitAtColumns). Null when the
   * line does not fit the bands: a fragment that cannot be cut there, two fragments in one band, a
   * lone fragment outside every band, or a band grown into its neighbour.
   */
  function placeLine(line: readonly Fragment[]): { fragments: Fragment[]; bands: Column[] } | null {
    const fragments: Fragment[] = [];
    const bands: Column[] = [];
    for (const fragment of line) {
      const overlapping = columns
        .filter((c) => fragment.left < c.right && fragment.right > c.left)
        .sort((a, b) => a.left - b.left);
      // pdf.js glues a cell to its neighbour; a line across three or more bands is prose.
      if (overlapping.length > 2) return null;
      const parts = overlapping.length === 2 ? splitAtColumns(fragment, overlapping) : [fragment];
      if (parts === null) return null;
      for (const [i, part] of parts.entries()) {
        const band =
          overlapping.length > 1
            ? overlapping[i]
            : (overlapping[0] ?? (line.length >= 2 ? { left: part.left, right: part.right } : undefined));
        if (band === undefined || bands.includes(band)) return null;
        const left = Math.min(band.left, part.left);
        const right = Math.max(band.right, part.right);
        if (columns.some((other) => other !== band && left < other.right && right > other.left)) return null;
        fragments.push(part);
        bands.push(band);
      }
    }
    return { fragments, bands };
  }
}
