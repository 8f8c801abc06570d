/**
 * The benchmark's corpus: a seeded mix of plain text, Markdown, PDF and DOCX documents of
 * realistic sizes (a few KB to a few hundred KB of text). Every document has its own words, so no
 * chunk repeats and no embedding is reused within a run.
 */
import { makeDocx, makePdf, type DocxBlock } from "../../test/support/document-fixtures.js";
import { SeededRandom } from "../../test/support/seeded-random.js";

export type CorpusFormat = "text" | "markdown" | "pdf" | "docx";

export interface CorpusDocument {
  readonly fileName: string;
  readonly format: CorpusFormat;
  readonly bytes: Uint8Array;
}

const SYLLABLES = [
  "ka",
  "lo",
  "mer",
  "ti",
  "sun",
  "dra",
  "vel",
  "on",
  "pri",
  "que",
  "sta",
  "ber",
  "nix",
  "ul",
];
// makePdf fits 46 wrapped lines of about 90 characters on a page; a page is filled to about
// 1,800 characters plus one paragraph, so it never overflows (about 2,600 on average).
const PDF_PAGE_CHARS = 2_600;

/** Words from a vocabulary of its own per document, so documents do not share chunk texts. */
class TextSource {
  private readonly vocabulary: string[];

  constructor(
    private readonly random: SeededRandom,
    documentIndex: number,
  ) {
    this.vocabulary = Array.from({ length: 4_000 }, (_, w) => {
      const syllables = Array.from({ length: random.int(1, 4) }, () => random.pick(SYLLABLES)).join("");
      return `${syllables}${(documentIndex * 4_000 + w).toString(36)}`;
    });
  }

  sentence(): string {
    const words = Array.from({ length: this.random.int(6, 22) }, () => this.random.pick(this.vocabulary));
    const first = words[0] ?? "";
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    return `${words.join(" ")}.`;
  }

  paragraph(): string {
    return Array.from({ length: this.random.int(3, 8) }, () => this.sentence()).join(" ");
  }

  /** Paragraphs until about `chars` characters. */
  paragraphs(chars: number): string[] {
    const out: string[] = [];
    for (let size = 0; size < chars;) {
      const paragraph = this.paragraph();
      out.push(paragraph);
      size += paragraph.length + 2;
    }
    return out;
  }
}

function plainText(source: TextSource, chars: number): Uint8Array {
  return new TextEncoder().encode(source.paragraphs(chars).join("\n\n"));
}

function markdown(source: TextSource, random: SeededRandom, chars: number): Uint8Array {
  const parts: string[] = [`# ${source.sentence().slice(0, -1)}`];
  let size = 0;
  while (size < chars) {
    const part =
      random.next() < 0.15
        ? `## ${source.sentence().slice(0, -1)}`
        : random.next() < 0.15
          ? Array.from({ length: random.int(2, 6) }, () => `- ${source.sentence()}`).join("\n")
          : source.paragraph();
    parts.push(part);
    size += part.length + 2;
  }
  return new TextEncoder().encode(parts.join("\n\n"));
}

async function pdf(source: TextSource, pages: number): Promise<Uint8Array> {
  return makePdf(Array.from({ length: pages }, () => source.paragraphs(1_800).join("\n")));
}

async function docx(source: TextSource, random: SeededRandom, chars: number): Promise<Uint8Array> {
  const blocks: DocxBlock[] = [];
  for (let size = 0; size < chars;) {
    const paragraphs = source.paragraphs(random.int(1_500, 5_000));
    blocks.push({
      heading: source.sentence().slice(0, -1),
      level: random.pick([1, 2, 3] as const),
      paragraphs,
    });
    size += paragraphs.reduce((sum, paragraph) => sum + paragraph.length, 0);
  }
  return makeDocx(blocks);
}

/** 30% text, 30% Markdown, 20% PDF, 20% DOCX, cycling so every prefix has the same mix. */
export const MIXED_FORMATS: readonly CorpusFormat[] = [
  "text",
  "markdown",
  "pdf",
  "text",
  "docx",
  "markdown",
  "text",
  "pdf",
  "markdown",
  "docx",
];

/**
 * The formats that must be parsed, half each. Measured on ragworker ×1 with the hash embedder:
 * extraction is about 64% of a thread's time on these and PostgreSQL about 16 ms of CPU a
 * document, against 37% and 22–30 ms on the mixed corpus, where plain text costs little more
 * than writing its chunks. This is the corpus on which the CPU a worker gives its pipeline shows.
 */
export const CPU_BOUND_FORMATS: readonly CorpusFormat[] = ["pdf", "docx"];

/**
 * `count` documents whose formats cycle through `cycle`. Sizes are drawn from ranges typical of
 * uploaded office documents.
 */
export async function generateCorpus(
  seed: number,
  count: number,
  scale = 1,
  cycle: readonly CorpusFormat[] = MIXED_FORMATS,
): Promise<CorpusDocument[]> {
  const random = new SeededRandom(seed);
  const documents: CorpusDocument[] = [];
  for (let index = 0; index < count; index += 1) {
    const format = cycle[index % cycle.length] ?? "text";
    const source = new TextSource(random, index);
    const chars = Math.round(random.int(8_000, 120_000) * scale);
    const name = `doc-${String(index).padStart(4, "0")}`;
    switch (format) {
      case "text":
        documents.push({ fileName: `${name}.txt`, format, bytes: plainText(source, chars) });
        break;
      case "markdown":
        documents.push({ fileName: `${name}.md`, format, bytes: markdown(source, random, chars) });
        break;
      case "pdf":
        documents.push({
          fileName: `${name}.pdf`,
          format,
          bytes: await pdf(source, Math.max(1, Math.round(chars / PDF_PAGE_CHARS))),
        });
        break;
      case "docx":
        documents.push({ fileName: `${name}.docx`, format, bytes: await docx(source, random, chars) });
        break;
    }
  }
  return documents;
}

/** One long plain-text document (for jobs that must outlast the lock several times over). */
export function generateLongText(seed: number, chars: number): Uint8Array {
  const random = new SeededRandom(seed);
  return plainText(new TextSource(random, 1_000_000 + seed), chars);
}
