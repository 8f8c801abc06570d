import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { collapseWhitespace } from "./heading-sections.js";
import { type ChildNode, type Element, findAll, findFirst, isElement } from "./markup-tree.js";
import { readOdfContent } from "./odf-content.js";
import { odfInlineText, odfParagraphs } from "./odf-text.js";
import { assertPageCount } from "./page-limit.js";
import { slideSection } from "./slide-section.js";

/**
 * OpenDocument presentations (.odp): one section per slide (draw:page), `page` its number, the
 * title frame's text its heading path, as for PPTX. Each paragraph of a text box or list is a line,
 * each table row a " | "-joined line; speaker notes (presentation:notes) are left out.
 */
export async function extractOdp(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const presentation = findFirst(await readOdfContent(bytes, "odp", options), "office:presentation");
  const slides = presentation === undefined ? [] : findAll(presentation.children, "draw:page");
  assertPageCount(slides.length, options.maxPages, "slides");
  const sections: ExtractedSection[] = [];
  slides.forEach((slide, index) => {
    const section = readSlide(slide, index + 1);
    if (section !== null) sections.push(section);
  });
  return { format: "odp", sections };
}

function readSlide(slide: Element, slideNumber: number): ExtractedSection | null {
  let title = "";
  const lines: string[] = [];
  const visit = (nodes: readonly ChildNode[]): void => {
    for (const node of nodes) {
      if (!isElement(node) || node.name === "presentation:notes" || node.name === "office:annotation")
        continue;
      if (node.name === "draw:frame" && node.attribs["presentation:class"] === "title") {
        title = collapseWhitespace(
          findAll(node.children, "text:p")
            .map((p) => odfInlineText(p.children))
            .join(" "),
        );
        continue;
      }
      if (node.name === "table:table") {
        for (const row of findAll(node.children, "table:table-row")) {
          lines.push(
            findAll(row.children, "table:table-cell")
              .map((cell) => odfParagraphs(cell).join(" ").trim())
              .join(" | "),
          );
        }
        continue;
      }
      if (node.name === "text:p" || node.name === "text:h") {
        lines.push(odfInlineText(node.children));
        continue;
      }
      visit(node.children);
    }
  };
  visit(slide.children);
  return slideSection(title, lines, slideNumber);
}
