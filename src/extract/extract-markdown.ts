import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { decodeText } from "./decode-text.js";

interface OpenHeading {
  readonly level: number;
  readonly title: string;
}

/** ATX heading: up to 3 spaces, 1 to 6 '#', then a space or the end of the line ("#tag" is not one). */
const ATX_HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;
/**
 * A code fence at any indentation: CommonMark limits it to 3 spaces, but fences nested in list
 * items are indented further, and missing one would turn the shell comments inside into headings.
 */
const FENCE_OPEN = /^\s*(`{3,}|~{3,})/;

/**
 * Split markdown into one section per ATX heading, each carrying the headings it sits under
 * (its own included), so a chunk can say where in the document it came from. The heading line
 * stays in the section's text: it is often the best summary of what follows. A heading followed
 * directly by a deeper one ("## On-call" then "### Rotation") is carried into that subsection
 * rather than left as a section of one line, which would become a chunk with nothing to retrieve.
 * Setext headings (underlined with === or ---) are not split on: they are rare in the documents we
 * ingest and "---" is ambiguous with a thematic break.
 */
export function extractMarkdown(bytes: Uint8Array): ExtractedDocument {
  const lines = decodeText(bytes).text.split("\n");
  const sections: ExtractedSection[] = [];
  const open: OpenHeading[] = [];
  let current: string[] = [];
  let currentLevel = 0; // 0: the text before the first heading
  let carried = "";
  let fence: string | null = null;

  /** Ends the current section; nextLevel is the level of the heading that ends it, 0 at the end. */
  const flush = (nextLevel: number): void => {
    const own = current
      .join("\n")
      .replace(/^(?:[ \t]*\n)+/, "")
      .trimEnd();
    current = [];
    const text = [carried, own].filter((t) => t !== "").join("\n\n");
    const headingOnly = currentLevel > 0 && !own.includes("\n");
    if (headingOnly && nextLevel > currentLevel) {
      carried = text;
      return;
    }
    carried = "";
    if (text !== "") {
      sections.push({ text, headingPath: open.map((h) => h.title).filter((t) => t !== "") });
    }
  };

  for (const line of lines) {
    if (fence !== null) {
      if (isFenceClose(line, fence)) fence = null;
      current.push(line);
      continue;
    }
    const fenceOpen = FENCE_OPEN.exec(line);
    if (fenceOpen?.[1] !== undefined) {
      fence = fenceOpen[1];
      current.push(line);
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading?.[1] !== undefined) {
      const level = heading[1].length;
      flush(level);
      while (open.length > 0 && (open.at(-1)?.level ?? 0) >= level) open.pop();
      open.push({ level, title: headingTitle(heading[2] ?? "") });
      currentLevel = level;
    }
    current.push(line);
  }
  flush(0);
  return { format: "markdown", sections };
}

/** "## Title ##" is titled "Title"; "# C#" keeps its '#' because no space precedes it. */
function headingTitle(rest: string): string {
  return rest
    .trim()
    .replace(/(?:^|[ \t]+)#+$/, "")
    .trim();
}

/** A fence closes with the same character, at least as many of them, and nothing else on the line. */
function isFenceClose(line: string, fence: string): boolean {
  const trimmed = line.trim();
  const char = fence.charAt(0);
  return trimmed.length >= fence.length && [...trimmed].every((c) => c === char);
}
