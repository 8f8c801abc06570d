import assert from "node:assert/strict";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "../support/bounded-test.js";

import CFB from "cfb";

import { PermanentError } from "../../src/errors/permanent-error.js";
import { TransientError } from "../../src/errors/transient-error.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { convertWithLibreOffice } from "../../src/extract/libreoffice-convert.js";

const rtf = new TextEncoder().encode(
  "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Helvetica;}}{\\stylesheet{\\s1 heading 1;}}" +
    "{\\pard\\s1 Minutes\\par}{\\pard Caf\\'e9 opens at nine.\\par}}",
);

describe("extractConverted (LibreOffice headless)", () => {
  it("reads an RTF file through a DOCX conversion, its heading style kept", async () => {
    const { document, detected } = await extractDocument(rtf, "text/rtf", "minutes.rtf");
    assert.equal(detected.format, "rtf");
    assert.equal(document.format, "rtf");
    assert.deepEqual(document.sections, [
      { text: "Minutes\n\nCafé opens at nine.", headingPath: ["Minutes"] },
    ]);
  });

  it("refuses a file LibreOffice cannot read as corrupt", async () => {
    const container = CFB.utils.cfb_new();
    CFB.utils.cfb_add(container, "PowerPoint Document", Buffer.alloc(64, 0x41));
    const bytes = new Uint8Array(CFB.write(container, { type: "buffer" }) as Buffer);
    await assert.rejects(extractDocument(bytes, null, "deck.ppt"), (error: unknown) => {
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "CORRUPT_FILE");
      assert.equal(error.message, "corrupt ppt: LibreOffice could not read it");
      return true;
    });
  });

  it("kills a conversion past LIBREOFFICE_TIMEOUT_MS and fails the document, naming the limit", async () => {
    const started = performance.now();
    await assert.rejects(
      extractDocument(rtf, null, "minutes.rtf", { ...DEFAULT_EXTRACT_OPTIONS, libreofficeTimeoutMs: 300 }),
      (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.code, "DOCUMENT_TIMEOUT");
        assert.match(
          error.message,
          /LibreOffice still converting the rtf file after LIBREOFFICE_TIMEOUT_MS=300$/,
        );
        return true;
      },
    );
    assert.ok(performance.now() - started < 5_000, "the conversion was not stopped at its limit");
  });

  it("stops a conversion when the pipeline's checkpoint throws (a cancel, the drain), passing its error on", async () => {
    const stop = new Error("document cancelled");
    const started = performance.now();
    const interrupt = (): void => {
      if (performance.now() - started > 200) throw stop;
    };
    await assert.rejects(
      extractDocument(rtf, null, "minutes.rtf", { ...DEFAULT_EXTRACT_OPTIONS, interrupt }),
      (error: unknown) => error === stop,
    );
    assert.ok(performance.now() - started < 5_000, "the conversion was not stopped at the checkpoint");
  });

  it("blames the worker, not the file, when soffice is not installed (retryable)", async () => {
    // A PATH holding coreutils' timeout and nothing else: soffice cannot be found.
    const bin = await mkdtemp(join(tmpdir(), "ragworker-no-soffice-"));
    await symlink("/usr/bin/timeout", join(bin, "timeout"));
    const path = process.env["PATH"];
    process.env["PATH"] = bin;
    try {
      await assert.rejects(convertWithLibreOffice(rtf, "rtf", "docx", 10_000), (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.equal(error.code, "CONVERTER_UNAVAILABLE");
        assert.match(error.message, /^LibreOffice \(soffice\) is not installed on this worker/);
        return true;
      });
    } finally {
      process.env["PATH"] = path;
      await rm(bin, { recursive: true, force: true });
    }
  });
});
