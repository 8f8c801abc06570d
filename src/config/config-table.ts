import { SETTINGS } from "./settings.js";

/**
 * The README's configuration table, rendered from the declarations (settings.ts) between two
 * markers; test/config/config-table.test.ts fails when the README's differs, and rewrites it with
 * UPDATE_CONFIG_TABLE=1.
 */
export const CONFIG_TABLE_START = "<!-- config-table:start (rendered from src/config/settings.ts) -->";
export const CONFIG_TABLE_END = "<!-- config-table:end -->";

const HEADER = ["variable", "default", "values", "meaning"] as const;

/** One row of cells per setting, as Markdown. */
export function configTableRows(): string[][] {
  return SETTINGS.map((setting) => [
    `\`${setting.name}\``,
    setting.defaultText,
    setting.expected,
    setting.describe,
  ]);
}

const escapeCell = (cell: string): string => cell.replace(/\|/g, "\\|");

/** The table as Markdown, not yet aligned (prettier aligns it). */
export function renderConfigTable(): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(HEADER), line(HEADER.map(() => "---")), ...configTableRows().map(line)].join("\n");
}

function markers(readme: string): { start: number; end: number } {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`the README has no ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END}`);
  return { start: start + CONFIG_TABLE_START.length, end };
}

/** The cells of the table between the markers, header and separator left out. */
export function readConfigTable(readme: string): string[][] {
  const { start, end } = markers(readme);
  return readme
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/\\\|/g, "|")),
    );
}

/** The README with the table between the markers replaced by a fresh rendering. */
export function withConfigTable(readme: string): string {
  const { start, end } = markers(readme);
  return `${readme.slice(0, start)}\n\n${renderConfigTable()}\n\n${readme.slice(end)}`;
}
