import { decodeText } from "./decode-text.js";
import type { ExtractedDocument } from "./extracted-document.js";
import { HeadingSections } from "./heading-sections.js";
import { type ChildNode, type Element, findAll, findFirst, isElement, parseHtml } from "./markup-tree.js";

/** Never text a reader sees. */
const INVISIBLE = new Set([
  "head",
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "canvas",
  "iframe",
  "object",
  "select",
  "button",
]);
/** Page chrome: navigation and side bars repeat on every page of a site and answer no question. */
const CHROME = new Set(["nav", "aside"]);
/** Headers and footers are chrome around a page, content inside an article (its title, its byline). */
const PAGE_FRAME = new Set(["header", "footer"]);
const CHROME_ROLES = new Set(["navigation", "banner", "contentinfo", "complementary", "search"]);
/** Elements that end a run of text: what follows starts a new paragraph. */
const BLOCKS = new Set([
  "p",
  "div",
  "section",
  "article",
  "main",
  "blockquote",
  "pre",
  "figure",
  "figcaption",
  "dl",
  "dt",
  "dd",
  "address",
  "hr",
  "form",
  "fieldset",
  "details",
  "summary",
  "caption",
  "table",
  "body",
]);
const HEADING = /^h([1-6])$/;

/**
 * Web pages: the main text, with h1..h6 giving each section its heading path. Scripts, styles and
 * other invisible parts are dropped, and so is the chrome around the content (nav, aside, the page's
 * header and footer, and elements with those ARIA roles). When the page marks its content with
 * <main> (or role="main"), only that is read; otherwise the whole body minus the chrome. List items
 * become "- " lines and table rows " | "-joined lines, as for DOCX.
 */
export function extractHtml(bytes: Uint8Array): ExtractedDocument {
  const tree = parseHtml(decodeText(bytes).text);
  const main = findMain(tree);
  const walker = new HtmlWalker(main !== undefined);
  walker.walk(main === undefined ? tree : [main]);
  return { format: "html", sections: walker.finish() };
}

function findMain(tree: readonly ChildNode[]): Element | undefined {
  const main = findFirst(tree, "main");
  if (main !== undefined) return main;
  return findAll(tree, "div").find((div) => div.attribs["role"] === "main");
}

class HtmlWalker {
  private readonly out = new HeadingSections();
  private inline = "";
  private listDepth = 0;
  private preDepth = 0;

  /** insideContent: header and footer are the content's own (an article's title), not page chrome. */
  constructor(private insideContent: boolean) {}

  walk(nodes: readonly ChildNode[]): void {
    for (const node of nodes) {
      if (node.type === "text") {
        this.inline += this.preDepth > 0 ? node.data : node.data.replace(/\s+/g, " ");
        continue;
      }
      if (isElement(node)) this.element(node);
    }
  }

  finish(): ReturnType<HeadingSections["finish"]> {
    this.endRun();
    return this.out.finish();
  }

  private element(node: Element): void {
    const name = node.name;
    if (INVISIBLE.has(name) || CHROME.has(name) || isHidden(node)) return;
    if (CHROME_ROLES.has(node.attribs["role"] ?? "")) return;
    if (PAGE_FRAME.has(name) && !this.insideContent) return;

    const level = HEADING.exec(name)?.[1];
    if (level !== undefined) {
      this.endRun();
      this.out.heading(Number(level), textOf(node));
      return;
    }
    switch (name) {
      case "br":
        this.inline += "\n";
        return;
      case "ul":
      case "ol":
        this.endRun();
        this.listDepth += 1;
        this.walk(node.children);
        this.endRun();
        this.listDepth -= 1;
        return;
      case "li":
        this.endRun();
        this.walk(node.children);
        this.endRun();
        return;
      case "tr": {
        this.endRun();
        const cells = node.children
          .filter((cell): cell is Element => isElement(cell) && (cell.name === "td" || cell.name === "th"))
          .map((cell) => textOf(cell).replace(/\s+/g, " ").trim());
        if (cells.some((cell) => cell !== "")) this.out.line(cells.join(" | "));
        return;
      }
      case "pre":
        this.endRun();
        this.preDepth += 1;
        this.walk(node.children);
        this.preDepth -= 1;
        this.endRun();
        return;
    }
    const opensContent = name === "article" && !this.insideContent;
    if (opensContent) this.insideContent = true;
    if (BLOCKS.has(name)) this.endRun();
    this.walk(node.children);
    if (BLOCKS.has(name)) this.endRun();
    if (opensContent) this.insideContent = false;
  }

  /** The text gathered since the last block boundary becomes a paragraph, or a list item's line. */
  private endRun(): void {
    const text = this.inline;
    this.inline = "";
    if (text.trim() === "") return;
    if (this.listDepth > 0) this.out.line(`- ${text}`);
    else this.out.paragraph(text);
  }
}

function isHidden(node: Element): boolean {
  return "hidden" in node.attribs || node.attribs["aria-hidden"] === "true";
}

/** Visible text of an element (headings, table cells), without its scripts and hidden parts. */
function textOf(node: Element): string {
  let text = "";
  const visit = (nodes: readonly ChildNode[]): void => {
    for (const child of nodes) {
      if (child.type === "text") text += child.data;
      else if (isElement(child) && !INVISIBLE.has(child.name) && !isHidden(child)) {
        if (child.name === "br") text += " ";
        visit(child.children);
      }
    }
  };
  visit(node.children);
  return text;
}
