import type { ExtractedSection } from "./extracted-document.js";

interface OpenHeading {
  readonly level: number;
  readonly title: string;
}

/** A block of a section: paragraphs are separated by a blank line, list items and table rows are not. */
interface Block {
  readonly text: string;
  readonly kind: "paragraph" | "line";
}

/**
 * Builds one section per heading from a document read in order (ODT, HTML), each section holding its
 * heading line and everything up to the next heading, with the path of headings it sits under. As
 * for markdown and DOCX, a heading followed directly by a deeper one is carried into that subsection
 * instead of standing alone as a one-line section, which would become a chunk with nothing to find.
 */
export class HeadingSections {
  private readonly sections: ExtractedSection[] = [];
  private readonly open: OpenHeading[] = [];
  private blocks: Block[] = [];
  private carried: Block[] = [];
  private sectionLevel = 0; // 0: the text before the first heading

  heading(level: number, title: string): void {
    const text = collapseWhitespace(title);
    if (text === "") return;
    this.flush(level);
    while (this.open.length > 0 && (this.open.at(-1)?.level ?? 0) >= level) this.open.pop();
    this.open.push({ level, title: text });
    this.sectionLevel = level;
    this.blocks.push({ text, kind: "paragraph" });
  }

  /** Text separated from its neighbours by a blank line. Line breaks inside it are kept. */
  paragraph(text: string): void {
    const collapsed = collapseWhitespace(text);
    if (collapsed !== "") this.blocks.push({ text: collapsed, kind: "paragraph" });
  }

  /** A list item or table row: consecutive lines stay on consecutive lines. */
  line(text: string): void {
    const collapsed = collapseWhitespace(text);
    if (collapsed !== "") this.blocks.push({ text: collapsed, kind: "line" });
  }

  finish(): ExtractedSection[] {
    this.flush(0);
    return this.sections;
  }

  /** Ends the current section; nextLevel is the level of the heading that ends it, 0 at the end. */
  private flush(nextLevel: number): void {
    const headingOnly = this.sectionLevel > 0 && this.blocks.length === 1;
    const all = [...this.carried, ...this.blocks];
    this.blocks = [];
    if (headingOnly && nextLevel > this.sectionLevel) {
      this.carried = all;
      return;
    }
    this.carried = [];
    const text = joinBlocks(all);
    if (text !== "") this.sections.push({ text, headingPath: this.open.map((h) => h.title) });
  }
}

function joinBlocks(blocks: readonly Block[]): string {
  let text = "";
  blocks.forEach((block, index) => {
    if (index > 0) {
      const previous = blocks[index - 1];
      text += previous?.kind === "line" && block.kind === "line" ? "\n" : "\n\n";
    }
    text += block.text;
  });
  return text;
}

/** Whitespace in markup is layout, except explicit line breaks, which arrive as "\n". */
export function collapseWhitespace(text: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line !== "")
    .join("\n");
}
