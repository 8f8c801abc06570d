import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { inflateArchive } from "../../src/extract/zip-archive.js";
import { makeZip, makeZipBomb } from "../support/document-fixtures.js";

const MiB = 1024 * 1024;
const keepAll = (): boolean => true;

function refusedAs(code: string, message: RegExp) {
  return (error: unknown): true => {
    assert.ok(error instanceof PermanentError, `expected a PermanentError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  };
}

describe("inflateArchive", () => {
  it("returns the entries asked for, inflated", async () => {
    const zip = makeZip({ "a.xml": { data: "<a>hello</a>", deflate: true }, "b.txt": "stored", "dir/": "" });
    const parts = await inflateArchive(zip, "docx", DEFAULT_EXTRACT_OPTIONS, (name) => name !== "b.txt");
    assert.deepEqual([...parts.keys()], ["a.xml"]);
    assert.equal(parts.get("a.xml")?.toString("utf8"), "<a>hello</a>");
  });

  it("refuses a bomb by its declared size before inflating it", async () => {
    // 64 MiB of zeros deflate to about 64 KB: a 1000:1 ratio.
    const bomb = makeZipBomb(64 * MiB);
    assert.ok(bomb.length < 200 * 1024, `the bomb itself is small: ${bomb.length} bytes`);
    await assert.rejects(
      inflateArchive(
        bomb,
        "docx",
        { ...DEFAULT_EXTRACT_OPTIONS, maxUncompressedBytes: 32 * MiB, maxCompressionRatio: 100_000 },
        keepAll,
      ),
      refusedAs(
        "DECOMPRESSION_BOMB",
        /archive expands to \d+ bytes > MAX_ARCHIVE_UNCOMPRESSED_BYTES=33554432$/,
      ),
    );
  });

  it("refuses an entry whose compression ratio is beyond the limit", async () => {
    await assert.rejects(
      inflateArchive(makeZipBomb(8 * MiB), "xlsx", DEFAULT_EXTRACT_OPTIONS, keepAll),
      refusedAs(
        "DECOMPRESSION_BOMB",
        /^decompression bomb refused \(xlsx\): archive entry "word\/media\/zeros.bin" expands \d+:1 > MAX_ARCHIVE_COMPRESSION_RATIO=200$/,
      ),
    );
  });

  it("lets a well-compressed entry under the grace size through", async () => {
    const parts = await inflateArchive(makeZipBomb(512 * 1024), "docx", DEFAULT_EXTRACT_OPTIONS, keepAll);
    assert.equal(parts.get("word/media/zeros.bin")?.length, 512 * 1024);
  });

  it("stops a bomb whose headers lie about its size while inflating it", async () => {
    // The directory claims 1 KB; the entry really inflates to 64 MiB.
    await assert.rejects(
      inflateArchive(makeZipBomb(64 * MiB, 1024), "pptx", DEFAULT_EXTRACT_OPTIONS, keepAll),
      refusedAs(
        "DECOMPRESSION_BOMB",
        /archive entry "word\/media\/zeros.bin" inflates past its declared 1024 bytes/,
      ),
    );
  });

  it("refuses an archive of too many entries", async () => {
    const files = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}.txt`, "x"]));
    await assert.rejects(
      inflateArchive(makeZip(files), "odt", { ...DEFAULT_EXTRACT_OPTIONS, maxArchiveEntries: 10 }, keepAll),
      refusedAs("DECOMPRESSION_BOMB", /too many archive entries: 11 > 10/),
    );
  });

  it("refuses an archive with an encrypted entry as encrypted", async () => {
    const zip = makeZip({
      "[Content_Types].xml": "<Types/>",
      "word/document.xml": { data: "ciphertext", encrypted: true },
    });
    await assert.rejects(
      inflateArchive(zip, "docx", DEFAULT_EXTRACT_OPTIONS, keepAll),
      refusedAs("ENCRYPTED_FILE", /^encrypted docx: archive entry "word\/document.xml" is encrypted$/),
    );
  });

  it("reports bytes that are not a zip as corrupt", async () => {
    await assert.rejects(
      inflateArchive(new TextEncoder().encode("not a zip at all"), "docx", DEFAULT_EXTRACT_OPTIONS, keepAll),
      refusedAs("CORRUPT_FILE", /^corrupt docx: /),
    );
  });
});
