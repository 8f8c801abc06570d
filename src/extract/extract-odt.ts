import { PermanentError } from "../errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument } from "./extracted-document.js";
import { HeadingSections } from "./heading-sections.js";
import { type ChildNode, type Element, findAll, findFirst, isElement, parseXml } from "./markup-tree.js";
import { inflateArchive } from "./zip-archive.js";

const CONTENT = "content.xml";
const MANIFEST = "META-INF/manifest.xml";

/** Parts of the text that are not its reading flow: note bodies, comments, deleted revisions. */
const SKIPPED = new Set(["text:note", "office:annotation", "text:tracked-changes", "text:sequence-decls"]);

/**
 * ODF text documents (LibreOffice Writer's .odt): headings (text:h with their outline level) give
 * each section its heading path; list items become "- " lines and table rows " | "-joined lines, as
 * for DOCX. The archive is inflated under the bomb limits first. A document saved with a password
 * keeps its zip readable but encrypts the parts, which the manifest declares.
 */
export async function extractOdt(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const parts = await inflateArchive(bytes, "odt", options, (name) => name === CONTENT || name === MANIFEST);
  const manifest = parts.get(MANIFEST)?.toString("utf8") ?? "";
  if (manifest.includes("manifest:encryption-data")) {
    throw new PermanentError("ENCRYPTED_FILE", "encrypted odt: it opens only with a password");
  }
  const content = parts.get(CONTENT);
  if (content === undefined) throw new PermanentError("CORRUPT_FILE", "corrupt odt: no content.xml");
  const body = findFirst(parseXml(content.toString("utf8")), "office:text");
  const sections = new HeadingSections();
  if (body !== undefined) walk(body.children, sections, 0);
  return { format: "odt", sections: sections.finish() };
}

function walk(nodes: readonly ChildNode[], out: HeadingSections, listDepth: number): void {
  for (const node of nodes) {
    if (!isElement(node) || SKIPPED.has(node.name)) continue;
    switch (node.name) {
      case "text:h":
        out.heading(Number(node.attribs["text:outline-level"] ?? 1) || 1, inlineText(node.children));
        break;
      case "text:p":
        if (listDepth > 0) out.line(`- ${inlineText(node.children)}`);
        else out.paragraph(inlineText(node.children));
        break;
      case "text:list":
        walk(node.children, out, listDepth + 1);
        break;
      case "table:table":
        for (const row of findAll(node.children, "table:table-row")) out.line(rowText(row));
        break;
      default:
        walk(node.children, out, listDepth);
    }
  }
}

/** Cells joined with " | ", trailing empty cells (a row padded to the sheet's width) left out. */
function rowText(row: Element): string {
  const cells = findAll(row.children, "table:table-cell").map((cell) =>
    findAll(cell.children, "text:p")
      .map((p) => inlineText(p.children))
      .join(" ")
      .trim(),
  );
  while (cells.length > 0 && cells.at(-1) === "") cells.pop();
  return cells.join(" | ");
}

/** Text of a paragraph: spans and links flattened, ODF's encoded spaces, tabs and breaks restored. */
function inlineText(nodes: readonly ChildNode[]): string {
  let text = "";
  for (const node of nodes) {
    if (node.type === "text") {
      text += node.data;
      continue;
    }
    if (!isElement(node) || SKIPPED.has(node.name)) continue;
    switch (node.name) {
      case "text:s":
        text += " ".repeat(Math.min(Number(node.attribs["text:c"] ?? 1) || 1, 100));
        break;
      case "text:tab":
        text += "\t";
        break;
      case "text:line-break":
        text += "\n";
        break;
      default:
        text += inlineText(node.children);
    }
  }
  return text;
}
