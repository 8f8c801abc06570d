import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument } from "./extracted-document.js";
import { HeadingSections } from "./heading-sections.js";
import { type ChildNode, type Element, findAll, findFirst, isElement } from "./markup-tree.js";
import { readOdfContent } from "./odf-content.js";
import { ODF_SKIPPED, odfInlineText } from "./odf-text.js";

/**
 * ODF text documents (LibreOffice Writer's .odt): headings (text:h with their outline level) give
 * each section its heading path; list items become "- " lines and table rows " | "-joined lines, as
 * for DOCX. The archive is read under the bomb limits, a password-sealed file refused (odf-content.ts).
 */
export async function extractOdt(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const body = findFirst(await readOdfContent(bytes, "odt", options), "office:text");
  const sections = new HeadingSections();
  if (body !== undefined) walk(body.children, sections, 0);
  return { format: "odt", sections: sections.finish() };
}

function walk(nodes: readonly ChildNode[], out: HeadingSections, listDepth: number): void {
  for (const node of nodes) {
    if (!isElement(node) || ODF_SKIPPED.has(node.name)) continue;
    switch (node.name) {
      case "text:h":
        out.heading(Number(node.attribs["text:outline-level"] ?? 1) || 1, odfInlineText(node.children));
        break;
      case "text:p":
        if (listDepth > 0) out.line(`- ${odfInlineText(node.children)}`);
        else out.paragraph(odfInlineText(node.children));
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
      .map((p) => odfInlineText(p.children))
      .join(" ")
      .trim(),
  );
  while (cells.length > 0 && cells.at(-1) === "") cells.pop();
  return cells.join(" | ");
}
