/**
 * Fidelity: files written by real office tools (scripts/make-fidelity-corpus.sh: LibreOffice,
 * pandoc, Ghostscript, Python's email package) from known source texts must come back as those
 * texts, whitespace and structure markers aside, with at least 99% character similarity, and with
 * the right page, slide and sheet numbers. The .xls, .ppt and .rtf files go through LibreOffice
 * at run time (soffice must be installed); the .msg is built here (no Debian tool writes one).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "../support/bounded-test.js";

import { distance } from "fastest-levenshtein";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import type { ExtractedDocument } from "../../src/extract/extracted-document.js";
import { makeOutlookMessage } from "../support/outlook-message.js";

const MIN_SIMILARITY = 0.99;
const corpus = new URL("../fixtures/fidelity/", import.meta.url);

const read = async (name: string): Promise<Buffer> => readFile(new URL(name, corpus));
const source = async (name: string): Promise<string> => (await read(`source/${name}`)).toString("utf8");

async function extract(name: string, declaredMime: string | null = null): Promise<ExtractedDocument> {
  const { document } = await extractDocument(await read(name), declaredMime, name);
  return document;
}

/**
 * What a reader would call the same text: markup and structure markers (markdown's # and table
 * pipes, list dashes, the " | " between cells) and whitespace do not count, words and characters do.
 */
function comparable(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/^\|?\s*-{3,}\s*\|/.test(line)) // a markdown table's separator row
    .map((line) => line.replace(/^\s*(?:#{1,6}|-)\s+/, ""))
    .join("\n")
    .replace(/\|/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function similarity(actual: string, expected: string): number {
  const a = comparable(actual);
  const b = comparable(expected);
  return 1 - distance(a, b) / Math.max(a.length, b.length, 1);
}

function assertSimilar(actual: string, expected: string, label: string): void {
  const score = similarity(actual, expected);
  assert.ok(
    score >= MIN_SIMILARITY,
    `${label}: similarity ${score.toFixed(4)} < ${MIN_SIMILARITY}\nactual:   ${comparable(actual)}\nexpected: ${comparable(expected)}`,
  );
}

const wholeText = (document: ExtractedDocument): string => document.sections.map((s) => s.text).join("\n\n");

/** The spreadsheet rendering the worker promises: each row's values labelled with the header. */
function labelledRows(csv: string): string {
  const [header, ...rows] = csv
    .trim()
    .split("\n")
    .map((line) => line.split(","));
  return rows
    .map((row) => row.map((value, column) => `${header?.[column] ?? ""}: ${value}`).join("; "))
    .join("\n");
}

/**
 * A PDF's tables come back as rows labelled with their headers (src/extract/pdf-page-text.ts), the
 * way spreadsheet rows do: the markdown source's pipe tables in that form.
 */
function withLabelledTables(markdown: string): string {
  return markdown.replace(/(?:^\|.*\|\n)+/gm, (table) => {
    const [header, ...rows] = table
      .trim()
      .split("\n")
      .filter((line) => !/^\|?\s*:?-{3,}/.test(line))
      .map((line) =>
        line
          .replace(/^\||\|$/g, "")
          .split("|")
          .map((cell) => cell.trim()),
      );
    const labelled = rows.map((row) =>
      row.map((value, column) => `${header?.[column] ?? ""}: ${value}`).join("; "),
    );
    return `${labelled.join("\n")}\n`;
  });
}

describe("fidelity corpus", () => {
  it("has a similarity measure that would catch lost or garbled text", () => {
    const text = "Accented names such as Zoë Müller, François Ménard and José Peña must survive every step.";
    assert.equal(similarity(text, text), 1);
    const garbled = text.replace(/ë/g, "Ã«").replace(/ü/g, "Ã¼").replace(/ç/g, "Ã§").replace(/é/g, "Ã©");
    assert.ok(similarity(garbled, text) < MIN_SIMILARITY);
    assert.ok(similarity(text.slice(0, -5), text) < MIN_SIMILARITY);
  });

  const handbookPaths = [
    "Platform handbook",
    "Platform handbook > Ingestion",
    "Platform handbook > Ingestion > Formats",
    "Platform handbook > Ingestion > Limits",
    "Platform handbook > Operations",
    "Platform handbook > Operations > Incidents",
    "Appendix",
  ];
  /**
   * headings: false where the file or its reader keeps no heading styles (PDF; word-extractor's
   * .doc; pandoc's RTF, whose headings are bold paragraphs). The EPUB opens on pandoc's title page.
   */
  const handbook: { name: string; format: string; headings: boolean; titlePage?: string }[] = [
    { name: "document-pandoc.docx", format: "docx", headings: true },
    { name: "document-libreoffice.docx", format: "docx", headings: true },
    { name: "document-pandoc.odt", format: "odt", headings: true },
    { name: "document-libreoffice.odt", format: "odt", headings: true },
    { name: "document.html", format: "html", headings: true },
    { name: "document.md", format: "markdown", headings: true },
    { name: "document-libreoffice.pdf", format: "pdf", headings: false },
    { name: "document-libreoffice.doc", format: "doc", headings: false },
    { name: "document-libreoffice.rtf", format: "rtf", headings: true },
    { name: "document-pandoc.rtf", format: "rtf", headings: false },
    { name: "document-pandoc.epub", format: "epub", headings: true, titlePage: "Platform handbook" },
  ];
  for (const { name, format, headings, titlePage } of handbook) {
    it(`${name}: the handbook's text${headings ? " and its heading paths" : ""}`, async () => {
      const markdown = await source("document.md");
      const body = format === "pdf" ? withLabelledTables(markdown) : markdown;
      const expected = titlePage === undefined ? body : `${titlePage}\n\n${body}`;
      const document = await extract(name);
      assert.equal(document.format, format);
      assertSimilar(wholeText(document), expected, name);
      if (!headings) return;
      const paths = document.sections.map((s) => s.headingPath?.join(" > "));
      assert.deepEqual(paths, titlePage === undefined ? handbookPaths : [titlePage, ...handbookPaths]);
    });
  }

  it("document.html: the page's navigation, banner, footer and script are not in the text", async () => {
    const text = wholeText(await extract("document.html"));
    for (const chrome of ["Pricing and plans", "newsletter", "Copyright footer", "tracking pixel"]) {
      assert.ok(!text.includes(chrome), `${chrome} leaked into the text`);
    }
  });

  it("pages-ghostscript.pdf: each page's text on its own page number", async () => {
    const pages = (await source("pages.txt")).split("\f");
    const document = await extract("pages-ghostscript.pdf");
    assert.deepEqual(
      document.sections.map((s) => s.page),
      [1, 2, 3],
    );
    pages.forEach((expected, index) =>
      assertSimilar(document.sections[index]?.text ?? "", expected, `page ${index + 1}`),
    );
  });

  for (const [name, format] of [
    ["slides-pandoc.pptx", "pptx"],
    ["slides-libreoffice.pptx", "pptx"],
    ["slides-libreoffice.odp", "odp"],
    ["slides-libreoffice.ppt", "ppt"],
  ] as const) {
    it(`${name}: each slide's text on its slide number, titled`, async () => {
      const slides = (await source("slides.md")).split(/^(?=# )/m);
      const document = await extract(name);
      assert.equal(document.format, format);
      assert.deepEqual(
        document.sections.map((s) => [s.page, s.headingPath]),
        [
          [1, ["Quarterly review"]],
          [2, ["Roadmap"]],
          [3, ["Risks"]],
          [4, ["Questions"]],
        ],
      );
      slides.forEach((expected, index) =>
        assertSimilar(document.sections[index]?.text ?? "", expected, `${name} slide ${index + 1}`),
      );
    });
  }

  for (const [name, format] of [
    ["sheets-libreoffice.xlsx", "xlsx"],
    ["sheets-libreoffice.ods", "ods"],
    ["sheets-libreoffice.xls", "xls"],
  ] as const) {
    it(`${name}: each sheet's rows on its sheet number, named`, async () => {
      const document = await extract(name);
      assert.equal(document.format, format);
      assert.deepEqual(
        document.sections.map((s) => [s.page, s.headingPath]),
        [
          [1, ["Staff"]],
          [2, ["Inventory"]],
        ],
      );
      assertSimilar(document.sections[0]?.text ?? "", labelledRows(await source("staff.csv")), "Staff");
      assertSimilar(
        document.sections[1]?.text ?? "",
        labelledRows(await source("inventory.csv")),
        "Inventory",
      );
    });
  }

  const header = (subject: string, from: string, date: string): string =>
    `Subject: ${subject}\nFrom: ${from}\nTo: Platform team <platform@example.com>\nDate: ${date}`;

  it("mail-python.eml: headers and body, the CSV attachment's rows, the forwarded Latin-1 message", async () => {
    const document = await extract("mail-python.eml");
    assert.equal(document.format, "eml");
    assert.deepEqual(
      document.sections.map((s) => s.headingPath),
      [
        ["Platform handbook"],
        ["Platform handbook", "staff.csv"],
        ["Platform handbook", "latin1-notes.eml", "Latin-1 notes"],
      ],
    );
    const [message, attachment, forwarded] = document.sections.map((s) => s.text);
    const handbookHeader = header(
      "Platform handbook",
      "Zoë Müller <zoe@example.com>",
      "2024-03-04T10:00:00Z",
    );
    assertSimilar(message ?? "", `${handbookHeader}\n\n${await source("document.md")}`, "message");
    assertSimilar(attachment ?? "", labelledRows(await source("staff.csv")), "staff.csv");
    const notesHeader = header(
      "Latin-1 notes",
      "François Ménard <francois@example.com>",
      "2024-03-01T09:30:00Z",
    );
    assertSimilar(forwarded ?? "", `${notesHeader}\n\n${await source("latin1.txt")}`, "forwarded");
  });

  it("an Outlook .msg of the same mail: headers and body, the CSV attachment, the embedded message", async () => {
    const to = [{ name: "Platform team", email: "platform@example.com" }];
    const message = makeOutlookMessage({
      subject: "Platform handbook",
      senderName: "Zoë Müller",
      senderEmail: "zoe@example.com",
      to,
      date: new Date("2024-03-04T10:00:00Z"),
      body: await source("document.md"),
      attachments: [
        { fileName: "staff.csv", mimeType: "text/csv", data: await read("source/staff.csv") },
        {
          fileName: "Latin-1 notes",
          message: {
            subject: "Latin-1 notes",
            senderName: "François Ménard",
            senderEmail: "francois@example.com",
            to,
            date: new Date("2024-03-01T09:30:00Z"),
            body: await source("latin1.txt"),
          },
        },
      ],
    });
    const { document } = await extractDocument(message, null, "handbook.msg");
    assert.equal(document.format, "msg");
    assert.deepEqual(
      document.sections.map((s) => s.headingPath),
      [
        ["Platform handbook"],
        ["Platform handbook", "staff.csv"],
        ["Platform handbook", "Latin-1 notes.msg", "Latin-1 notes"],
      ],
    );
    const [body, attachment, embedded] = document.sections.map((s) => s.text);
    const handbookHeader = header(
      "Platform handbook",
      "Zoë Müller <zoe@example.com>",
      "2024-03-04T10:00:00Z",
    );
    assertSimilar(body ?? "", `${handbookHeader}\n\n${await source("document.md")}`, "body");
    assertSimilar(attachment ?? "", labelledRows(await source("staff.csv")), "staff.csv");
    const notesHeader = header(
      "Latin-1 notes",
      "François Ménard <francois@example.com>",
      "2024-03-01T09:30:00Z",
    );
    assertSimilar(embedded ?? "", `${notesHeader}\n\n${await source("latin1.txt")}`, "embedded");
  });

  for (const name of ["staff-libreoffice.csv", "source/staff.csv"]) {
    it(`${name}: rows labelled with their header`, async () => {
      const document = await extract(name);
      assert.equal(document.format, "csv");
      assertSimilar(wholeText(document), labelledRows(await source("staff.csv")), name);
    });
  }

  const encodings = [
    { name: "text-utf8.txt", from: "latin1.txt" },
    { name: "text-latin1.txt", from: "latin1.txt" },
    { name: "text-windows-1252.txt", from: "windows-1252.txt" },
    { name: "text-utf16le.txt", from: "windows-1252.txt" },
    { name: "text-utf16be.txt", from: "windows-1252.txt" },
  ];
  for (const { name, from } of encodings) {
    it(`${name}: decoded without mojibake`, async () => {
      const expected = await source(from);
      const document = await extract(name, "text/plain");
      assert.equal(document.format, "text");
      assertSimilar(wholeText(document), expected, name);
      assert.equal(wholeText(document), expected);
    });
  }

  for (const name of [
    "protected-libreoffice.pdf",
    "protected-libreoffice.odt",
    "protected-libreoffice.doc",
    "protected-libreoffice.xls",
  ]) {
    it(`${name}: a file saved with a password is refused as encrypted`, async () => {
      await assert.rejects(extract(name), (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "ENCRYPTED_FILE");
        assert.match(error.message, /^encrypted (?:pdf|odt|doc|xls)/);
        return true;
      });
    });
  }
});
