/**
 * Spreadsheet rows as lines of text, each value labelled with its column's header:
 * "Name: Zoë Müller; Team: Platform; City: Zürich". A chunk then says what every number in it
 * means even when it is cut from the middle of a long sheet, far from the header row. The first
 * row with a value is taken as the header (a sheet has no other marker of one); a column without a
 * header is labelled with its number. Empty rows and empty cells are left out.
 */
export function rowsAsText(rows: readonly (readonly string[])[]): string {
  const filled = rows.filter((row) => row.some((cell) => cell.trim() !== ""));
  const [header, ...body] = filled;
  if (header === undefined) return "";
  const labels = header.map((label, column) => label.trim() || `Column ${column + 1}`);
  const lines = body.map((row) =>
    row
      .map(
        (cell, column) =>
          [labels[column] ?? `Column ${column + 1}`, cell.replace(/\s+/g, " ").trim()] as const,
      )
      .filter(([, value]) => value !== "")
      .map(([label, value]) => `${label}: ${value}`)
      .join("; "),
  );
  // A sheet with only a header row still says something (the columns it was meant to have).
  return body.length === 0 ? labels.join("; ") : lines.join("\n");
}
