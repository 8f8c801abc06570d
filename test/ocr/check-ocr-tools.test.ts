import assert from "node:assert/strict";
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

  it("checks nothing when OCR is disabled (a language that exists nowhere passes)", async () => {
    await checkOcrTools({ enabled: false, languages: "xyz" });
  });

  it("names Debian's package of a language", () => {
    assert.equal(languagePackage("spa"), "tesseract-ocr-spa");
    assert.equal(languagePackage("chi_sim"), "tesseract-ocr-chi-sim");
  });
});
