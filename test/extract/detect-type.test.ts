import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "../support/bounded-test.js";

import CFB from "cfb";

import { PermanentError } from "../../src/errors/permanent-error.js";
import {
  DOCX_MIME,
  ODT_MIME,
  PPTX_MIME,
  XLSX_MIME,
  detectType,
  normalizeMime,
} from "../../src/extract/detect-type.js";
import {
  makeDocx,
  makeEncryptedOfficeFile,
  makeOdt,
  makePdf,
  makePptx,
  makeXlsx,
  makeZip,
  tinyPng,
} from "../support/document-fixtures.js";
import { tinyOutlookMessage } from "../support/outlook-message.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

async function assertUnsupported(bytes: Uint8Array, mime: string): Promise<void> {
  await assert.rejects(detectType(bytes, null, null), (error: unknown) => {
    assert.ok(error instanceof PermanentError);
    assert.equal(error.code, "UNSUPPORTED_TYPE");
    assert.equal(error.message, `unsupported type: ${mime}`);
    return true;
  });
}

describe("detectType", () => {
  it("recognises a PDF from its bytes", async () => {
    const pdf = await makePdf(["hello"]);
    assert.deepEqual(await detectType(pdf, "application/pdf", "a.pdf"), {
      format: "pdf",
      mime: "application/pdf",
      declaredMimeMismatch: false,
    });
  });

  it("lets the bytes win over a wrong declared type, and flags the mismatch", async () => {
    const pdf = await makePdf(["hello"]);
    assert.deepEqual(await detectType(pdf, "text/plain", "notes.txt"), {
      format: "pdf",
      mime: "application/pdf",
      declaredMimeMismatch: true,
    });
  });

  it("does not flag declarations that claim nothing", async () => {
    const pdf = await makePdf(["hello"]);
    assert.equal((await detectType(pdf, null, null)).declaredMimeMismatch, false);
    assert.equal((await detectType(pdf, "application/octet-stream", null)).declaredMimeMismatch, false);
    assert.equal((await detectType(pdf, "", null)).declaredMimeMismatch, false);
  });

  it("recognises a DOCX inside its zip container", async () => {
    const docx = await makeDocx([{ heading: "Title", paragraphs: ["Body"] }]);
    assert.deepEqual(await detectType(docx, DOCX_MIME, "a.docx"), {
      format: "docx",
      mime: DOCX_MIME,
      declaredMimeMismatch: false,
    });
    // application/msword is the old binary .doc format: a different claim.
    assert.equal((await detectType(docx, "application/msword", "a.docx")).declaredMimeMismatch, true);
  });

  it("calls text markdown by declared type, parameters and case ignored", async () => {
    const bytes = utf8("# Title\n\nBody\n");
    for (const declared of ["text/markdown", "Text/Markdown; charset=UTF-8", "text/x-markdown"]) {
      assert.deepEqual(await detectType(bytes, declared, null), {
        format: "markdown",
        mime: "text/markdown",
        declaredMimeMismatch: false,
      });
    }
  });

  it("calls text markdown by file name", async () => {
    const bytes = utf8("# Title\n");
    assert.equal((await detectType(bytes, null, "README.md")).format, "markdown");
    assert.equal((await detectType(bytes, "text/plain", "guide.MARKDOWN")).format, "markdown");
    assert.equal((await detectType(bytes, "text/plain", "notes.md.txt")).format, "text");
  });

  it("calls other text plain text, without flagging textual declarations", async () => {
    const bytes = utf8("just some notes\n");
    assert.deepEqual(await detectType(bytes, "text/plain", "notes.txt"), {
      format: "text",
      mime: "text/plain",
      declaredMimeMismatch: false,
    });
    assert.equal((await detectType(bytes, "text/csv", null)).declaredMimeMismatch, false);
    assert.equal((await detectType(bytes, "application/json", null)).declaredMimeMismatch, false);
    assert.equal((await detectType(bytes, "application/pdf", null)).declaredMimeMismatch, true);
  });

  it("treats an empty file as (empty) text", async () => {
    assert.equal((await detectType(new Uint8Array(0), null, null)).format, "text");
  });

  it("keeps prose whose first bytes look like a binary signature", async () => {
    // file-type reads "BM" as a bitmap, "MZ" as an executable and "solid " as an STL model.
    for (const text of ["BMW fleet maintenance notes", "MZ-7 rollout plan", "solid state drives: notes"]) {
      assert.equal((await detectType(utf8(text), null, null)).format, "text", text);
    }
  });

  it("accepts UTF-8 whose multi-byte character straddles the 8 KB sniff window", async () => {
    const bytes = utf8(`${"a".repeat(8 * 1024 - 1)}é and more text after`);
    assert.equal(bytes[8 * 1024 - 1], 0xc3); // first byte of "é" is the last byte sniffed
    assert.equal((await detectType(bytes, null, null)).format, "text");
  });

  it("takes raster images as images, with their own MIME type, for OCR", async () => {
    const detected = await detectType(tinyPng(), "text/plain", "x.txt");
    assert.deepEqual(detected, { format: "image", mime: "image/png", declaredMimeMismatch: true });
    assert.equal((await detectType(tinyPng(), "image/png", null)).declaredMimeMismatch, false);
  });

  it("refuses plain zips and binary junk", async () => {
    await assertUnsupported(makeZip({ "a.txt": "hello" }), "application/zip");
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    await assertUnsupported(junk, "application/octet-stream");
  });

  it("refuses text with NUL bytes or many control characters", async () => {
    await assertUnsupported(utf8("abc\u0000def"), "application/octet-stream");
    const controls = Uint8Array.from({ length: 400 }, (_, i) => (i % 10 === 0 ? 0x01 : 0x61));
    await assertUnsupported(controls, "application/octet-stream");
  });

  it("takes 8-bit text that is not UTF-8 as text (Latin-1, Windows-1252)", async () => {
    // "café" in Latin-1: 0xE9 cannot start a UTF-8 sequence here.
    assert.equal(
      (await detectType(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]), null, null)).format,
      "text",
    );
  });

  it("takes RTF for RTF although it is ASCII, not for plain text", async () => {
    const rtf = utf8("{\\rtf1\\ansi{\\fonttbl\\f0\\fswiss Helvetica;}\\f0 Hello}");
    assert.deepEqual(await detectType(rtf, "text/rtf", "letter.rtf"), {
      format: "rtf",
      mime: "application/rtf",
      declaredMimeMismatch: false,
    });
    assert.equal((await detectType(rtf, "text/plain", null)).declaredMimeMismatch, true);
  });

  it("reports the declared type on the error", async () => {
    await assert.rejects(
      detectType(makeZip({ "a.txt": "hello" }), "text/plain", "x.txt"),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.deepEqual(error.context, { detectedMime: "application/zip", declaredMime: "text/plain" });
        return true;
      },
    );
  });
});

describe("detectType: office, web, table and legacy-encoded text formats", () => {
  it("tells the zip-based office formats apart by their content, whatever the name says", async () => {
    const cases = [
      { bytes: makePptx([{ title: "Deck" }]), format: "pptx", mime: PPTX_MIME },
      { bytes: await makeXlsx([{ name: "S", rows: [["a"]] }]), format: "xlsx", mime: XLSX_MIME },
      { bytes: makeOdt([{ paragraph: "text" }]), format: "odt", mime: ODT_MIME },
    ];
    for (const { bytes, format, mime } of cases) {
      assert.deepEqual(await detectType(bytes, mime, "upload.docx"), {
        format,
        mime,
        declaredMimeMismatch: false,
      });
      assert.equal((await detectType(bytes, DOCX_MIME, null)).declaredMimeMismatch, true, format);
    }
  });

  it("recognises HTML by its content even when declared as plain text", async () => {
    const page = utf8("<!DOCTYPE html>\n<html><body><p>hi</p></body></html>");
    assert.deepEqual(await detectType(page, "Text/Plain; charset=utf-8", "page.txt"), {
      format: "html",
      mime: "text/html",
      declaredMimeMismatch: false,
    });
    const xhtml = utf8(
      '<?xml version="1.0"?>\n<!-- generated -->\n<html xmlns="http://www.w3.org/1999/xhtml"></html>',
    );
    assert.equal((await detectType(xhtml, null, null)).format, "html");
  });

  it("takes an HTML fragment as HTML by declared type or name", async () => {
    const fragment = utf8("<p>Hello <b>world</b></p>");
    assert.equal((await detectType(fragment, "text/html; charset=UTF-8", null)).format, "html");
    assert.equal((await detectType(fragment, null, "snippet.HTM")).format, "html");
    assert.equal((await detectType(fragment, null, null)).format, "text");
  });

  it("takes CSV by declared type or name, and by its rows when nothing else is claimed", async () => {
    const table = utf8("name,team\nada,research\nalan,crypto\n");
    assert.equal((await detectType(table, "text/csv", null)).format, "csv");
    assert.equal((await detectType(table, null, "people.csv")).format, "csv");
    assert.equal((await detectType(utf8("a\tb\n1\t2\n"), null, "x.tsv")).format, "csv");
    assert.equal((await detectType(table, null, null)).format, "csv");
    assert.equal((await detectType(utf8("x;y\n1;2\n3;4\n"), "text/plain", null)).format, "csv");
    // A file name that says text keeps it text, and so does prose with commas in it.
    assert.equal((await detectType(table, null, "people.txt")).format, "text");
    const prose = utf8("Hello, world.\nThis is prose, with commas, here and there.\nAnd one more line.\n");
    assert.equal((await detectType(prose, null, null)).format, "text");
  });

  it("flags a declared text format the bytes are not", async () => {
    const page = utf8("<html><body>hi</body></html>");
    assert.equal((await detectType(page, "text/markdown", null)).declaredMimeMismatch, true);
    assert.equal((await detectType(page, "text/html", null)).declaredMimeMismatch, false);
  });

  it("reads UTF-16 with a byte order mark as text, in both byte orders", async () => {
    const text = "Prix: 20 € — “net”";
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le).swap16(); // FE FF then big-endian code units
    for (const bytes of [le, be]) {
      assert.deepEqual(await detectType(bytes, null, "prices.txt"), {
        format: "text",
        mime: "text/plain",
        declaredMimeMismatch: false,
      });
    }
    const markdown = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("# Title\n", "utf16le")]);
    assert.equal((await detectType(markdown, null, "notes.md")).format, "markdown");
  });

  it("refuses UTF-16 without a byte order mark", async () => {
    await assertUnsupported(
      new Uint8Array(Buffer.from("no mark here", "utf16le")),
      "application/octet-stream",
    );
  });

  it("refuses a password-sealed office file as encrypted, an unknown compound file as unsupported", async () => {
    await assert.rejects(
      detectType(makeEncryptedOfficeFile(), DOCX_MIME, "secret.docx"),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "ENCRYPTED_FILE");
        assert.match(error.message, /encrypted/);
        return true;
      },
    );
    const visio = CFB.utils.cfb_new();
    CFB.utils.cfb_add(visio, "VisioDocument", Buffer.from("a drawing"));
    await assertUnsupported(
      new Uint8Array(CFB.write(visio, { type: "buffer" }) as Buffer),
      "application/x-cfb",
    );
  });

  it("refuses a zip with office-like names but no office content types", async () => {
    await assertUnsupported(makeZip({ "word/document.xml": "<w/>" }), "application/zip");
  });
});

describe("normalizeMime", () => {
  it("lowercases and strips parameters", () => {
    assert.equal(normalizeMime(" Text/Plain ; charset=utf-8"), "text/plain");
    assert.equal(normalizeMime(null), "");
  });

  describe("legacy office, OpenDocument, EPUB and mail", () => {
    const corpus = new URL("../fixtures/fidelity/", import.meta.url);
    const fixture = async (name: string): Promise<Uint8Array> => readFile(new URL(name, corpus));

    for (const [name, format, mime] of [
      ["document-libreoffice.doc", "doc", "application/msword"],
      ["sheets-libreoffice.xls", "xls", "application/vnd.ms-excel"],
      ["slides-libreoffice.ppt", "ppt", "application/vnd.ms-powerpoint"],
      ["document-libreoffice.rtf", "rtf", "application/rtf"],
      ["document-pandoc.epub", "epub", "application/epub+zip"],
      ["sheets-libreoffice.ods", "ods", "application/vnd.oasis.opendocument.spreadsheet"],
      ["slides-libreoffice.odp", "odp", "application/vnd.oasis.opendocument.presentation"],
      ["mail-python.eml", "eml", "message/rfc822"],
    ] as const) {
      it(`recognises ${name} as ${format} from its bytes, whatever its name`, async () => {
        assert.deepEqual(await detectType(await fixture(name), null, null), {
          format,
          mime,
          declaredMimeMismatch: false,
        });
        assert.equal((await detectType(await fixture(name), mime, name)).declaredMimeMismatch, false);
      });
    }

    it("recognises an Outlook message among compound files", async () => {
      const message = tinyOutlookMessage();
      assert.equal((await detectType(message, "application/octet-stream", "a.msg")).format, "msg");
    });

    it("takes text declared message/rfc822 or named .eml for a mail, even without the usual headers", async () => {
      const bare = utf8("Subject: hi\n\nJust a body.\n");
      assert.equal((await detectType(bare, "message/rfc822", null)).format, "eml");
      assert.equal((await detectType(bare, null, "note.eml")).format, "eml");
      assert.equal((await detectType(bare, null, "note.txt")).format, "text");
    });

    it("sniffs a mail's headers (From and Date) in text that claims nothing", async () => {
      const mail = utf8(
        "Received: from mx.example.com\r\n  by relay; Mon, 4 Mar 2024\r\nFrom: Zoë <zoe@example.com>\r\n" +
          "Date: Mon, 04 Mar 2024 10:00:00 +0000\r\nSubject: Minutes\r\n\r\nThe body.\r\n",
      );
      assert.equal((await detectType(mail, null, null)).format, "eml");
      assert.equal((await detectType(mail, "text/plain", "saved.txt")).format, "eml");
    });

    it("does not take prose or a memo with a From: line for a mail", async () => {
      for (const text of [
        "From: the desk of the director\nSubject: parking\n\nPlease park on level 2.\n",
        "Date: 2024-03-04\nNotes from the meeting.\n",
        "Meeting notes\nFrom: Ana\nDate: today\n\nbody\n",
        "From the start, the plan was simple.\nDate: unknown\n\n",
      ]) {
        assert.equal((await detectType(utf8(text), null, null)).format, "text", text);
      }
      const markdown = utf8("From: Ana\nDate: 2024-03-04\n\n# Notes\n");
      assert.equal((await detectType(markdown, "text/markdown", "notes.md")).format, "markdown");
    });
  });
});
