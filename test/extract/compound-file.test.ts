import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "../support/bounded-test.js";

import CFB from "cfb";

import { compoundFormat } from "../../src/extract/compound-file.js";
import { makeEncryptedOfficeFile } from "../support/document-fixtures.js";
import { tinyOutlookMessage } from "../support/outlook-message.js";
import { refusedAs } from "../support/refused-as.js";

const corpus = new URL("../fixtures/fidelity/", import.meta.url);

function compoundFile(streams: Readonly<Record<string, Buffer>>): Uint8Array {
  const container = CFB.utils.cfb_new();
  for (const [name, data] of Object.entries(streams)) CFB.utils.cfb_add(container, name, data);
  return new Uint8Array(CFB.write(container, { type: "buffer" }) as Buffer);
}

describe("compoundFormat", () => {
  it("tells Word, Excel, PowerPoint and Outlook files apart by their streams", async () => {
    assert.equal(compoundFormat(await readFile(new URL("document-libreoffice.doc", corpus))), "doc");
    assert.equal(compoundFormat(await readFile(new URL("sheets-libreoffice.xls", corpus))), "xls");
    assert.equal(compoundFormat(await readFile(new URL("slides-libreoffice.ppt", corpus))), "ppt");
    assert.equal(compoundFormat(compoundFile({ Book: Buffer.alloc(16) })), "xls"); // Excel 5's stream name
    const message = tinyOutlookMessage();
    assert.equal(compoundFormat(message), "msg");
  });

  it("refuses an OLE container holding an EncryptedPackage as encrypted", () => {
    assert.throws(
      () => compoundFormat(makeEncryptedOfficeFile()),
      refusedAs("ENCRYPTED_FILE", /^encrypted office document: it opens only with a password$/),
    );
  });

  it("refuses Word 97 and Excel 97 files LibreOffice saved with a password as encrypted", async () => {
    for (const [name, format] of [
      ["protected-libreoffice.doc", "doc"],
      ["protected-libreoffice.xls", "xls"],
    ] as const) {
      const bytes = await readFile(new URL(name, corpus));
      assert.throws(
        () => compoundFormat(bytes),
        refusedAs("ENCRYPTED_FILE", new RegExp(`^encrypted ${format}`)),
      );
    }
  });

  it("refuses a PowerPoint 97 deck with an EncryptedSummary stream as encrypted", () => {
    const deck = compoundFile({
      "PowerPoint Document": Buffer.alloc(16),
      EncryptedSummary: Buffer.alloc(16),
    });
    assert.throws(() => compoundFormat(deck), refusedAs("ENCRYPTED_FILE", /^encrypted ppt/));
  });

  it("refuses other compound files as unsupported, a damaged one as corrupt", () => {
    assert.throws(
      () => compoundFormat(compoundFile({ VisioDocument: Buffer.alloc(16) })),
      refusedAs("UNSUPPORTED_TYPE", /^unsupported type: application\/x-cfb$/),
    );
    const truncated = makeEncryptedOfficeFile().subarray(0, 600);
    assert.throws(() => compoundFormat(truncated), refusedAs("CORRUPT_FILE", /^corrupt compound file/));
  });
});
