import { type ChildNode, type Element, isElement } from "./markup-tree.js";

/** Parts of ODF text that are not its reading flow: note bodies, comments, deleted revisions. */
export const ODF_SKIPPED = new Set([
  "text:note",
  "office:annotation",
  "text:tracked-changes",
  "text:sequence-decls",
]);

/** Longest run of spaces one text:s may stand for: the attribute is the file's to inflate. */
const MAX_SPACES = 100;

/**
 * Text of an ODF paragraph (ODT, ODS, ODP): spans and links flattened, ODF's encoded spaces, tabs
 * and breaks restored.
 */
export function odfInlineText(nodes: readonly ChildNode[]): string {
  let text = "";
  for (const node of nodes) {
    if (node.type === "text") {
      text += node.data;
      continue;
    }
    if (!isElement(node) || ODF_SKIPPED.has(node.name)) continue;
    switch (node.name) {
      case "text:s":
        text += " ".repeat(Math.min(Number(node.attribs["text:c"] ?? 1) || 1, MAX_SPACES));
        break;
      case "text:tab":
        text += "\t";
        break;
      case "text:line-break":
        text += "\n";
        break;
      default:
        text += odfInlineText(node.children);
    }
  }
  return text;
}

/** The paragraphs (text:p, text:h) directly inside a cell or a text box, not inside its comments. */
export function odfParagraphs(container: Element): string[] {
  return container.children
    .filter(
      (child): child is Element => isElement(child) && (child.name === "text:p" || child.name === "text:h"),
    )
    .map((paragraph) => odfInlineText(paragraph.children));
}
