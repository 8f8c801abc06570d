import mammoth from "mammoth";

import { PermanentError } from "../errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "./extract-options.js";
import type { ExtractedDocument, ExtractedSection } from "./extracted-document.js";
import { collapseWhitespace, HeadingSections } from "./heading-sections.js";
import { inflateArchive } from "./zip-archive.js";

/**
 * Images are dropped rather than inlined as base64 data URIs (mammoth's default): the text does not
 * need them and a document full of screenshots would otherwise balloon into megabytes of HTML.
 */
const DROP_IMAGES = mammoth.images.imgElement(() => Promise.resolve({ src: "" }));

const TAG_OR_TEXT = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>|([^<]+)/g;

/**
 * DOCX through mammoth's HTML, not its raw text, because the HTML keeps what Word's styles mean:
 * "Heading 1".."Heading 6" become h1..h6, which gives each section its heading path. The HTML is
 * walked with a tag regex instead of an HTML parser: mammoth writes it itself, always well formed,
 * with no comments, scripts or unquoted '>' in attributes, so a tokenizer is enough (the page
 * chrome rules of the HTML extractor do not apply to it). The archive is inflated once under the
 * bomb limits before mammoth inflates it again.
 */
export async function extractDocx(
  bytes: Uint8Array,
  options: ExtractOptions = DEFAULT_EXTRACT_OPTIONS,
): Promise<ExtractedDocument> {
  await inflateArchive(bytes, "docx", options, () => false);
  let html: string;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const converted = await mammoth.convertToHtml(
      { buffer },
      { convertImage: DROP_IMAGES, externalFileAccess: false },
    );
    html = converted.value;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PermanentError("CORRUPT_FILE", `corrupt docx: ${reason}`, {}, { cause: error });
  }
  return { format: "docx", sections: sectionsFromHtml(html) };
}

/**
 * One section per heading (see HeadingSections), from mammoth's HTML. Table cells are joined with
 * " | " per row so a row stays one readable line; list items become "- " lines.
 */
function sectionsFromHtml(html: string): ExtractedSection[] {
  const out = new HeadingSections();
  let inline = "";
  let headingLevel = 0;
  let listDepth = 0;
  let row: string[] | null = null;
  let cell: string[] | null = null;

  /** Ends the current text run: into the cell when inside a table, else as a block of its own. */
  const endRun = (kind: "paragraph" | "line"): void => {
    const text = collapseWhitespace(inline);
    inline = "";
    if (text === "") return;
    if (cell !== null) cell.push(text);
    else if (kind === "line") out.line(listDepth > 0 ? `- ${text}` : text);
    else out.paragraph(text);
  };

  for (const match of html.matchAll(TAG_OR_TEXT)) {
    const [, closing, rawTag, text] = match;
    if (text !== undefined) {
      inline += decodeEntities(text);
      continue;
    }
    const tag = (rawTag ?? "").toLowerCase();
    const isClose = closing === "/";
    const level = /^h([1-6])$/.exec(tag)?.[1];

    if (level !== undefined) {
      if (!isClose) {
        endRun("paragraph");
        headingLevel = Number(level);
        continue;
      }
      const title = collapseWhitespace(inline);
      inline = "";
      // Mammoth emits empty headings for blank paragraphs styled as headings: not a new section.
      if (title === "" || cell !== null) {
        if (title !== "") cell?.push(title);
        continue;
      }
      out.heading(headingLevel, title);
      continue;
    }

    switch (tag) {
      case "p":
        endRun("paragraph");
        break;
      case "li":
        // An item's own text ends where a nested list starts, so both the opening and the closing tag end it.
        endRun("line");
        break;
      case "ul":
      case "ol":
        endRun("line");
        listDepth += isClose ? -1 : 1;
        break;
      case "br":
        inline += "\n";
        break;
      case "td":
      case "th":
        if (isClose) {
          endRun("line");
          row?.push((cell ?? []).join(" "));
          cell = null;
        } else {
          endRun("paragraph");
          cell = [];
        }
        break;
      case "tr":
        if (isClose) {
          if (row !== null && row.some((c) => c !== "")) out.line(row.join(" | "));
          row = null;
        } else {
          row = [];
        }
        break;
      case "table":
        endRun("paragraph");
        break;
      default:
        // Inline markup (strong, em, a, sup, sub, s, img...) carries no structure worth keeping.
        break;
    }
  }
  endRun("paragraph");
  return out.finish();
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** Mammoth escapes only &, <, > and quotes; numeric references are decoded too, to be safe. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (entity, body: string) => {
    if (body.startsWith("#x") || body.startsWith("#X")) return codePoint(parseInt(body.slice(2), 16), entity);
    if (body.startsWith("#")) return codePoint(parseInt(body.slice(1), 10), entity);
    return NAMED_ENTITIES[body] ?? entity;
  });
}

function codePoint(value: number, fallback: string): string {
  return Number.isInteger(value) && value >= 0 && value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}
