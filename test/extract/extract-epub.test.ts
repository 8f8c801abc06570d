import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { extractDocument } from "../../src/extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { extractEpub } from "../../src/extract/extract-epub.js";
import { makeEpub, makeEpubBomb, xhtml } from "../support/format-fixtures.js";
import { refusedAs } from "../support/refused-as.js";

describe("extractEpub", () => {
  it("reads the spine's chapters in reading order with their heading paths, auxiliary ones left out", async () => {
    const book = makeEpub([
      { file: "cover.xhtml", xhtml: xhtml("<p>Cover blurb</p>"), auxiliary: true },
      { file: "one.xhtml", xhtml: xhtml("<h1>Part one</h1><p>First words.</p><h2>Detail</h2><p>More.</p>") },
      {
        file: "text/two%20b.xhtml",
        storedAs: "OEBPS/text/two b.xhtml", // hrefs are percent-encoded, archive names are not
        xhtml: xhtml("<h1>Part two</h1><ul><li>a list item</li></ul>"),
      },
    ]);
    const { document, detected } = await extractDocument(book, null, null);
    assert.equal(detected.format, "epub");
    assert.deepEqual(document.sections, [
      { text: "Part one\n\nFirst words.", headingPath: ["Part one"] },
      { text: "Detail\n\nMore.", headingPath: ["Part one", "Detail"] },
      { text: "Part two\n\n- a list item", headingPath: ["Part two"] },
    ]);
  });

  it("refuses a book whose chapters are encrypted (DRM), reads one whose fonts are obfuscated", async () => {
    const encryption = (uri: string): string =>
      '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">' +
      `<enc:EncryptedData><enc:CipherData><enc:CipherReference URI="${uri}"/></enc:CipherData></enc:EncryptedData></encryption>`;
    const chapter = [{ file: "one.xhtml", xhtml: xhtml("<p>Secret words.</p>") }];
    await assert.rejects(
      extractEpub(makeEpub(chapter, { "META-INF/encryption.xml": encryption("OEBPS/one.xhtml") })),
      refusedAs("ENCRYPTED_FILE", /^encrypted epub/),
    );
    const fonts = await extractEpub(
      makeEpub(chapter, { "META-INF/encryption.xml": encryption("OEBPS/font.otf") }),
    );
    assert.equal(fonts.sections[0]?.text, "Secret words.");
  });

  it("refuses a book missing a spine chapter as corrupt", async () => {
    const broken = makeEpub([{ file: "one.xhtml", storedAs: "OEBPS/gone.xhtml", xhtml: xhtml("<p>x</p>") }]);
    await assert.rejects(
      extractEpub(broken),
      refusedAs("CORRUPT_FILE", /^corrupt epub: spine chapter OEBPS\/one\.xhtml is missing$/),
    );
  });

  it("refuses an EPUB zip bomb under the archive limits, naming them", async () => {
    const limits = { ...DEFAULT_EXTRACT_OPTIONS, maxUncompressedBytes: 8 * 1024 * 1024 };
    await assert.rejects(
      extractDocument(makeEpubBomb(64 * 1024 * 1024), "application/epub+zip", "bomb.epub", limits),
      refusedAs(
        "DECOMPRESSION_BOMB",
        /^decompression bomb refused \(epub\): .*MAX_ARCHIVE_(?:UNCOMPRESSED_BYTES|COMPRESSION_RATIO)=/,
      ),
    );
    // Headers that lie about the size are caught while inflating.
    await assert.rejects(
      extractEpub(makeEpubBomb(16 * 1024 * 1024, 1000), limits),
      refusedAs("DECOMPRESSION_BOMB", /inflates past its declared 1000 bytes/),
    );
  });
});
