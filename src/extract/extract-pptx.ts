import { posix } from "node:path";

import { PermanentError } from "../errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { collapseWhitespace } from "./heading-sections.js";
import { type ChildNode, type Element, findAll, isElement, parseXml } from "./markup-tree.js";
import { assertPageCount } from "./page-limit.js";
import { slideSection } from "./slide-section.js";
import { inflateArchive } from "./zip-archive.js";

const PRESENTATION = "ppt/presentation.xml";
const PRESENTATION_RELS = "ppt/_rels/presentation.xml.rels";
const SLIDE_PART = /^ppt\/slides\/slide\d+\.xml$/;
/** Placeholder types that hold a slide's title. */
const TITLE_PLACEHOLDERS = new Set(["title", "ctrTitle"]);

/**
 * PowerPoint decks (.pptx): one section per slide, `page` being the slide's number as the deck
 * shows it (the order of presentation.xml, not the part names, which editors do not renumber), the
 * slide's title as its heading path. Each paragraph of a text box is a line, each table row a
 * " | "-joined line. Speaker notes are left out: they are not what the audience reads and often
 * repeat the slide. The slide count is checked against MAX_PAGES before any slide is parsed.
 */
export async function extractPptx(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  const parts = await inflateArchive(
    bytes,
    "pptx",
    options,
    (name) => name === PRESENTATION || name === PRESENTATION_RELS || SLIDE_PART.test(name),
  );
  const slidePaths = slideOrder(parts);
  assertPageCount(slidePaths.length, options.maxPages, "slides");
  const sections: ExtractedSection[] = [];
  slidePaths.forEach((path, index) => {
    const xml = parts.get(path);
    if (xml === undefined) {
      throw new PermanentError("CORRUPT_FILE", `corrupt pptx: slide ${index + 1} (${path}) is missing`);
    }
    const section = readSlide(parseXml(xml.toString("utf8")), index + 1);
    if (section !== null) sections.push(section);
  });
  return { format: "pptx", sections };
}

/** Slide part paths in presentation order: p:sldIdLst's relationship ids resolved through the rels part. */
function slideOrder(parts: ReadonlyMap<string, Buffer>): string[] {
  const presentation = parts.get(PRESENTATION);
  const rels = parts.get(PRESENTATION_RELS);
  if (presentation === undefined || rels === undefined) {
    throw new PermanentError("CORRUPT_FILE", "corrupt pptx: no presentation.xml or its relationships");
  }
  const targets = new Map(
    findAll(parseXml(rels.toString("utf8")), "Relationship").map((rel) => [
      rel.attribs["Id"] ?? "",
      rel.attribs["Target"] ?? "",
    ]),
  );
  return findAll(parseXml(presentation.toString("utf8")), "p:sldId").map((slide) => {
    const target = targets.get(slide.attribs["r:id"] ?? "") ?? "";
    // Targets are relative to ppt/ ("slides/slide1.xml"); some writers use absolute ones ("/ppt/slides/...").
    return target.startsWith("/") ? target.slice(1) : posix.normalize(posix.join("ppt", target));
  });
}

function readSlide(tree: readonly ChildNode[], slideNumber: number): ExtractedSection | null {
  let title = "";
  const lines: string[] = [];
  const visit = (nodes: readonly ChildNode[]): void => {
    for (const node of nodes) {
      if (!isElement(node)) continue;
      if (node.name === "p:sp" && isTitleShape(node)) {
        const text = findAll(node.children, "a:p")
          .map(paragraphText)
          .filter((t) => t !== "");
        title = collapseWhitespace(text.join(" "));
        continue;
      }
      if (node.name === "a:tbl") {
        for (const row of findAll(node.children, "a:tr")) {
          const cells = findAll(row.children, "a:tc").map((cell) =>
            findAll(cell.children, "a:p").map(paragraphText).join(" ").trim(),
          );
          lines.push(cells.join(" | "));
        }
        continue;
      }
      if (node.name === "a:p") {
        lines.push(paragraphText(node));
        continue;
      }
      visit(node.children);
    }
  };
  visit(tree);
  return slideSection(title, lines, slideNumber);
}

function isTitleShape(shape: Element): boolean {
  return findAll(shape.children, "p:ph").some((ph) => TITLE_PLACEHOLDERS.has(ph.attribs["type"] ?? ""));
}

/** Runs (a:t) and fields (slide numbers, dates) of one paragraph; a:br is a line break. */
function paragraphText(paragraph: Element): string {
  let text = "";
  const visit = (nodes: readonly ChildNode[]): void => {
    for (const node of nodes) {
      if (!isElement(node)) continue;
      if (node.name === "a:t")
        text += node.children.map((child) => (child.type === "text" ? child.data : "")).join("");
      else if (node.name === "a:br") text += "\n";
      else visit(node.children);
    }
  };
  visit(paragraph.children);
  return text;
}
