import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "../support/bounded-test.js";

import CFB from "cfb";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { extractDoc } from "../../src/extract/extract-doc.js";

const corpus = new URL("../fixtures/fidelity/", import.meta.url);

describe("extractDoc", () => {
  it("reads a Word 97 file's paragraphs, with table rows as ' | '-joined lines", async () => {
    const document = await extractDoc(await readFile(new URL("document-libreoffice.doc", corpus)));
    assert.equal(document.format, "doc");
    const text = document.sections.map((s) => s.text).join("\n\n");
    assert.match(text, /^Platform handbook\n\nThis handbook describes/);
    assert.match(
      text,
      /\n\nTeam \| Channel \| Hours\nPlatform \| platform-help \| weekdays\nSecurity \| security-desk \| always\n\n/,
    );
    assert.match(text, /Zoë Müller, François Ménard and José Peña/);
  });

  it("refuses a compound file whose WordDocument stream is not Word's as corrupt", async () => {
    const container = CFB.utils.cfb_new();
    CFB.utils.cfb_add(container, "WordDocument", Buffer.alloc(64, 0x41));
    const bytes = new Uint8Array(CFB.write(container, { type: "buffer" }) as Buffer);
    await assert.rejects(extractDoc(bytes), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "CORRUPT_FILE");
      assert.match(error.message, /^corrupt doc: /);
      return true;
    });
  });
});
