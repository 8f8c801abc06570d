import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import {
  corruptPdf,
  makeDocx,
  makeEncryptedOfficeFile,
  makeEncryptedPdf,
  makeOdt,
  makePdf,
  makePptx,
  makeXlsx,
  makeZip,
  makeZipBomb,
  tinyPng,
} from "../support/document-fixtures.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function rejectsWith(code: string) {
  return (error: unknown): true => {
    assert.ok(error instanceof PermanentError, `expected a PermanentError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

describe("extractDocument", () => {
  it("extracts a PDF page by page", async () => {
    const { document, detected } = await extractDocument(
      await makePdf(["one", "two", "three"]),
      "application/pdf",
      "a.pdf",
    );
    assert.equal(detected.format, "pdf");
    assert.deepEqual(document, {
      format: "pdf",
      sections: [
        { text: "one", page: 1 },
        { text: "two", page: 2 },
        { text: "three", page: 3 },
      ],
    });
  });

  it("extracts a PDF declared as text/plain as a PDF, and reports the mismatch", async () => {
    const { document, detected } = await extractDocument(await makePdf(["body"]), "text/plain", "x.txt");
    assert.deepEqual(detected, { format: "pdf", mime: "application/pdf", declaredMimeMismatch: true });
    assert.equal(document.format, "pdf");
    assert.equal(document.sections[0]?.text, "body");
  });

  it("extracts a DOCX with heading paths", async () => {
    const bytes = await makeDocx([{ heading: "Runbook", level: 1, paragraphs: ["Restart the workers."] }]);
    const { document, detected } = await extractDocument(bytes, null, "runbook.docx");
    assert.equal(detected.format, "docx");
    assert.deepEqual(document, {
      format: "docx",
      sections: [{ text: "Runbook\n\nRestart the workers.", headingPath: ["Runbook"] }],
    });
  });

  it("extracts markdown when the name says so, plain text otherwise", async () => {
    const bytes = utf8("# Notes\nremember the milk\n");
    const markdown = await extractDocument(bytes, "text/plain", "notes.md");
    assert.equal(markdown.document.format, "markdown");
    assert.deepEqual(markdown.document.sections, [
      { text: "# Notes\nremember the milk", headingPath: ["Notes"] },
    ]);

    const text = await extractDocument(bytes, "text/plain", "notes.txt");
    assert.deepEqual(text.document, { format: "text", sections: [{ text: "# Notes\nremember the milk\n" }] });
  });

  it("returns no sections for a blank text file, leaving EMPTY_DOCUMENT to the caller", async () => {
    const { document } = await extractDocument(utf8("\n \n"), "text/plain", "blank.txt");
    assert.deepEqual(document.sections, []);
  });

  it("reads an image by OCR whatever it is declared as: a blank one has no sections", async () => {
    const { document, detected } = await extractDocument(tinyPng(), "text/plain", "a.txt");
    assert.equal(detected.format, "image");
    assert.deepEqual(document, { format: "image", sections: [] });
  });

  it("refuses unsupported types whatever they are declared as", async () => {
    await assert.rejects(
      extractDocument(makeZip({ "word/document.xml": "<w/>" }), null, "a.docx"),
      rejectsWith("UNSUPPORTED_TYPE"),
    );
    const junk = Uint8Array.from({ length: 1024 }, (_, i) => (i * 31 + 7) % 256);
    await assert.rejects(extractDocument(junk, "application/pdf", "a.pdf"), rejectsWith("UNSUPPORTED_TYPE"));
  });

  it("reports corrupt and encrypted files as such", async () => {
    await assert.rejects(extractDocument(corruptPdf(), null, null), rejectsWith("CORRUPT_FILE"));
    const docx = await makeDocx([{ heading: "Title", paragraphs: ["Body"] }]);
    await assert.rejects(
      extractDocument(docx.subarray(0, docx.length - 200), null, null),
      rejectsWith("CORRUPT_FILE"),
    );
    await assert.rejects(
      extractDocument(makeEncryptedPdf("secret", "pw"), null, null),
      rejectsWith("ENCRYPTED_FILE"),
    );
  });

  it("reads every sample document of the quick start", async () => {
    const samples = [
      { name: "handbook.md", format: "markdown" },
      { name: "release-notes.txt", format: "text" },
      { name: "onboarding.pdf", format: "pdf" },
      { name: "architecture.docx", format: "docx" },
    ];
    for (const sample of samples) {
      const bytes = await readFile(new URL(`../../samples/${sample.name}`, import.meta.url));
      const { document, detected } = await extractDocument(bytes, null, sample.name);
      assert.equal(detected.format, sample.format, sample.name);
      const chars = document.sections.reduce((total, section) => total + section.text.length, 0);
      assert.ok(chars > 3000, `${sample.name}: only ${chars} characters extracted`);
    }
  });

  it("sends each format to its extractor, which names the format", async () => {
    const cases: Array<{ bytes: Uint8Array; mime: string | null; name: string; format: string }> = [
      { bytes: makePptx([{ title: "Deck", lines: ["body"] }]), mime: null, name: "d.pptx", format: "pptx" },
      {
        bytes: await makeXlsx([{ name: "S", rows: [["h"], ["v"]] }]),
        mime: null,
        name: "s.xlsx",
        format: "xlsx",
      },
      { bytes: makeOdt([{ paragraph: "odt body" }]), mime: null, name: "d.odt", format: "odt" },
      { bytes: utf8("<!doctype html><p>web</p>"), mime: "text/plain", name: "p.txt", format: "html" },
      { bytes: utf8("h1,h2\n1,2\n"), mime: "text/csv", name: "t.csv", format: "csv" },
      { bytes: new Uint8Array([0x93, 0x68, 0x69, 0x94]), mime: null, name: "q.txt", format: "text" },
    ];
    for (const { bytes, mime, name, format } of cases) {
      const { document, detected } = await extractDocument(bytes, mime, name);
      assert.equal(detected.format, format, name);
      assert.equal(document.format, format, name);
      assert.ok(document.sections.length > 0, name);
    }
  });

  it("refuses a PDF with more pages than MAX_PAGES, naming the limit", async () => {
    const pdf = await makePdf(["one", "two", "three"]);
    await assert.rejects(
      extractDocument(pdf, null, null, { ...DEFAULT_EXTRACT_OPTIONS, maxPages: 2 }),
      (error: unknown) => {
        rejectsWith("TOO_MANY_PAGES")(error);
        assert.equal((error as Error).message, "too many pages: 3 > MAX_PAGES=2");
        return true;
      },
    );
    const { document } = await extractDocument(pdf, null, null, { ...DEFAULT_EXTRACT_OPTIONS, maxPages: 3 });
    assert.equal(document.sections.length, 3);
  });

  it("refuses a DOCX zip bomb before mammoth sees it", async () => {
    await assert.rejects(
      extractDocument(makeZipBomb(16 * 1024 * 1024), null, "bomb.docx"),
      (error: unknown) => {
        rejectsWith("DECOMPRESSION_BOMB")(error);
        assert.match((error as Error).message, /MAX_ARCHIVE_COMPRESSION_RATIO=200/);
        return true;
      },
    );
  });

  it("refuses sealed office files and office zips with encrypted entries as encrypted", async () => {
    const sealed = [
      makeEncryptedOfficeFile(),
      makeOdt([{ paragraph: "secret" }], { encrypted: true }),
      makeZip({
        "[Content_Types].xml":
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "word/document.xml": { data: "<w:document/>", encrypted: true },
      }),
    ];
    for (const bytes of sealed) {
      await assert.rejects(extractDocument(bytes, null, null), (error: unknown) => {
        rejectsWith("ENCRYPTED_FILE")(error);
        assert.match((error as Error).message, /encrypted/);
        return true;
      });
    }
  });

  // 52 s in a full run, 140 s on a loaded machine: too close to the default test timeout (180 s).
  it(
    "refuses markup nested too deeply to walk as corrupt, not as a worker fault",
    { timeout: 360_000 },
    async () => {
      const depth = 200_000;
      const page = utf8(`<!doctype html><body>${"<div>".repeat(depth)}deep${"</div>".repeat(depth)}`);
      await assert.rejects(extractDocument(page, null, null), (error: unknown) => {
        rejectsWith("CORRUPT_FILE")(error);
        assert.equal((error as Error).message, "corrupt html: elements nested too deeply to read");
        return true;
      });
    },
  );
});
