import assert from "node:assert/strict";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "../support/bounded-test.js";

import { StartupError } from "../../src/errors/startup-error.js";
import { checkOcrTools, languagePackage } from "../../src/ocr/check-ocr-tools.js";

describe("checkOcrTools (at start)", () => {
  it("passes with tesseract, the default languages and pdftoppm installed", async () => {
    await checkOcrTools({ enabled: true, languages: "eng+spa" });
  });

  it("refuses to start when a language is missing, naming its Debian package and OCR_ENABLED=false", async () => {
    await assert.rejects(checkOcrTools({ enabled: true, languages: "eng+chi_sim" }), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.equal(
        error.message,
        "OCR_ENABLED but tesseract lacks the language chi_sim: install the Debian packages " +
          "tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim poppler-utils, or set OCR_ENABLED=false",
      );
      return true;
    });
  });

  it("refuses to start when tesseract is not installed at all", async () => {
    // A PATH where only coreutils' timeout is found, not tesseract.
    const directory = await mkdtemp(join(tmpdir(), "no-tesseract-"));
    const path = process.env["PATH"];
    try {
      await symlink("/usr/bin/timeout", join(directory, "timeout"));
      process.env["PATH"] = directory;
      await assert.rejects(
        checkOcrTools({ enabled: true, languages: "eng+spa" }),
        (error: unknown) =>
          error instanceof StartupError &&
          error.message ===
            "OCR_ENABLED but tesseract is not installed: install the Debian packages " +
              "tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa poppler-utils, or set OCR_ENABLED=false",
      );
    } finally {
      process.env["PATH"] = path;
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("checks nothing when OCR is disabled (a language that exists nowhere passes)", async () => {
    await checkOcrTools({ enabled: false, languages: "xyz" });
  });

  it("names Debian's package of a language", () => {
    assert.equal(languagePackage("spa"), "tesseract-ocr-spa");
    assert.equal(languagePackage("chi_sim"), "tesseract-ocr-chi-sim");
  });
});
