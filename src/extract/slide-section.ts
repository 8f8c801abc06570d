import type { ExtractedSection } from "./extracted-document.js";
import { collapseWhitespace } from "./heading-sections.js";

/**
 * One slide (PPTX, ODP) as a section: its title, then its lines, on its slide number, under its
 * title as heading path. A slide with no text at all is no section (null).
 */
export function slideSection(
  title: string,
  lines: readonly string[],
  slideNumber: number,
): ExtractedSection | null {
  const body = lines.map(collapseWhitespace).filter((line) => line !== "");
  if (title === "" && body.length === 0) return null;
  const text = [title, body.join("\n")].filter((part) => part !== "").join("\n\n");
  return { text, page: slideNumber, headingPath: title === "" ? [] : [title] };
}
