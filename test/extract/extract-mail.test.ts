import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { extractDocument } from "../../src/extract/extract-document.js";
import { MAX_ATTACHED_MESSAGE_DEPTH, extractMail } from "../../src/extract/extract-mail.js";
import { MAX_MIME_NESTING } from "../../src/extract/parse-eml.js";
import { makeNestedEmail } from "../support/format-fixtures.js";
import { type OutlookMessage, makeOutlookMessage } from "../support/outlook-message.js";
import { refusedAs } from "../support/refused-as.js";

const crlf = (lines: readonly string[]): Uint8Array => new TextEncoder().encode(lines.join("\r\n"));

describe("extractMail (.eml)", () => {
  it("reads the headers and the plain body, each text attachment on its own, and skips binary ones", async () => {
    const mail = crlf([
      "From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.com>",
      "To: a@example.com, Team <team@example.com>",
      "Cc: boss@example.com",
      "Subject: =?UTF-8?B?UXVhcnRlcmx5IG51bWJlcnM=?=",
      "Date: Mon, 04 Mar 2024 11:00:00 +0100",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="x"',
      "",
      "--x",
      "Content-Type: multipart/alternative; boundary=y",
      "",
      "--y",
      "Content-Type: text/plain; charset=iso-8859-1",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      "Gr=FC=DFe from Z=FCrich.",
      "--y",
      "Content-Type: text/html",
      "",
      "<p>Grüße from Zürich, in HTML.</p>",
      "--y--",
      "--x",
      'Content-Type: text/markdown; name="notes.md"',
      'Content-Disposition: attachment; filename="notes.md"',
      "",
      "# Notes",
      "",
      "Ship on Friday.",
      "--x",
      "Content-Type: image/png",
      'Content-Disposition: attachment; filename="logo.png"',
      "Content-Transfer-Encoding: base64",
      "",
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "--x",
      'Content-Type: text/plain; name="binary.txt"',
      'Content-Disposition: attachment; filename="binary.txt"',
      "Content-Transfer-Encoding: base64",
      "",
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      "--x--",
      "",
    ]);
    const { document, detected } = await extractDocument(mail, null, null);
    assert.equal(detected.format, "eml");
    assert.deepEqual(document.sections, [
      {
        text:
          "Subject: Quarterly numbers\nFrom: Zoë Müller <zoe@example.com>\n" +
          "To: a@example.com, Team <team@example.com>\nCc: boss@example.com\nDate: 2024-03-04T10:00:00Z\n\n" +
          "Grüße from Zürich.",
        headingPath: ["Quarterly numbers"],
      },
      { text: "# Notes\n\nShip on Friday.", headingPath: ["Quarterly numbers", "notes.md", "Notes"] },
    ]);
  });

  it("reads an HTML-only body as a web page", async () => {
    const mail = crlf([
      "From: a@example.com",
      "Subject: News",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<html><body><nav>Home</nav><h1>Launch</h1><p>It shipped.</p><script>x()</script></body></html>",
    ]);
    const document = await extractMail(mail, "eml");
    assert.equal(document.sections[0]?.text, "Subject: News\nFrom: a@example.com\n\nLaunch\n\nIt shipped.");
  });

  it("reads attached messages a level at a time, each under [subject, file name]", async () => {
    const document = await extractMail(makeNestedEmail(2), "eml");
    assert.deepEqual(
      document.sections.map((s) => s.headingPath),
      [
        ["level 2"],
        ["level 2", "level-1.eml", "level 1"],
        ["level 2", "level-1.eml", "level 1", "level-0.eml", "level 0"],
      ],
    );
    assert.match(document.sections[2]?.text ?? "", /\n\ninnermost body$/);
  });

  it(`reads messages attached ${MAX_ATTACHED_MESSAGE_DEPTH} levels deep`, async () => {
    const document = await extractMail(makeNestedEmail(MAX_ATTACHED_MESSAGE_DEPTH), "eml");
    assert.equal(document.sections.length, MAX_ATTACHED_MESSAGE_DEPTH + 1);
  });

  it("refuses an e-mail nested 100 levels deep, naming the depth limit", async () => {
    await assert.rejects(
      extractDocument(makeNestedEmail(100), "message/rfc822", "deep.eml"),
      refusedAs(
        "NESTING_TOO_DEEP",
        new RegExp(
          `^e-mail nested too deeply: .* more than ${MAX_ATTACHED_MESSAGE_DEPTH} levels deep \\(limit ${MAX_ATTACHED_MESSAGE_DEPTH}\\)$`,
        ),
      ),
    );
  });

  it("refuses MIME parts nested inside one another past postal-mime's limit, naming it", async () => {
    const depth = MAX_MIME_NESTING + 5;
    const open = Array.from(
      { length: depth },
      (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary=b${i + 1}\r\n\r\n`,
    );
    const close = Array.from({ length: depth }, (_, i) => `--b${depth - 1 - i}--\r\n`);
    const mail = new TextEncoder().encode(
      "From: a@example.com\r\nDate: Mon, 04 Mar 2024 10:00:00 +0000\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" +
        open.join("") +
        `--b${depth}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b${depth}--\r\n` +
        close.join(""),
    );
    await assert.rejects(
      extractMail(mail, "eml"),
      refusedAs("NESTING_TOO_DEEP", new RegExp(`more than ${MAX_MIME_NESTING} levels`)),
    );
  });
});

describe("extractMail (.msg)", () => {
  const message = (subject: string, attachments: OutlookMessage["attachments"] = []): OutlookMessage => ({
    subject,
    senderName: "Ana",
    senderEmail: "ana@example.com",
    to: [{ name: "Bo", email: "bo@example.com" }],
    date: new Date("2024-03-04T10:00:00Z"),
    body: `Body of ${subject}.`,
    attachments,
  });

  it("reads the headers, the body, a text attachment and an embedded message", async () => {
    const msg = makeOutlookMessage(
      message("Minutes", [
        { fileName: "notes.txt", mimeType: "text/plain", data: new TextEncoder().encode("Ship on Friday.") },
        {
          fileName: "photo.jpg",
          mimeType: "image/jpeg",
          data: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
        },
        { fileName: "Earlier", message: message("Earlier") },
      ]),
    );
    const { document } = await extractDocument(msg, "application/vnd.ms-outlook", "minutes.msg");
    assert.equal(document.format, "msg");
    assert.deepEqual(document.sections, [
      {
        text: "Subject: Minutes\nFrom: Ana <ana@example.com>\nTo: Bo <bo@example.com>\nDate: 2024-03-04T10:00:00Z\n\nBody of Minutes.",
        headingPath: ["Minutes"],
      },
      { text: "Ship on Friday.", headingPath: ["Minutes", "notes.txt"] },
      {
        text: "Subject: Earlier\nFrom: Ana <ana@example.com>\nTo: Bo <bo@example.com>\nDate: 2024-03-04T10:00:00Z\n\nBody of Earlier.",
        headingPath: ["Minutes", "Earlier.msg", "Earlier"],
      },
    ]);
  });

  it("refuses embedded messages nested past the depth limit", async () => {
    let nested = message("level 0");
    for (let level = 1; level <= MAX_ATTACHED_MESSAGE_DEPTH + 1; level += 1) {
      nested = message(`level ${level}`, [{ fileName: `level ${level - 1}`, message: nested }]);
    }
    await assert.rejects(
      extractMail(makeOutlookMessage(nested), "msg"),
      refusedAs("NESTING_TOO_DEEP", /^e-mail nested too deeply/),
    );
  });

  it("refuses a damaged message as corrupt", async () => {
    const msg = makeOutlookMessage(message("Minutes"));
    await assert.rejects(
      extractMail(msg.subarray(0, 1024), "msg"),
      refusedAs("CORRUPT_FILE", /^corrupt msg/),
    );
  });
});
