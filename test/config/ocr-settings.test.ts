import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { ConfigError } from "../../src/config/config-error.js";
import { loadConfig } from "../../src/config/config.js";

describe("OCR settings", () => {
  it("default to OCR on, English and Spanish, 300 DPI", () => {
    assert.deepEqual(loadConfig({}).ocr, {
      enabled: true,
      languages: "eng+spa",
      maxPages: 200,
      pageTimeoutMs: 60_000,
      dpi: 300,
      maxImagePixels: 100_000_000,
    });
  });

  it("read what is set", () => {
    const { ocr } = loadConfig({ OCR_ENABLED: "false", OCR_LANGUAGES: "deu+chi_sim", OCR_DPI: "150" });
    assert.equal(ocr.enabled, false);
    assert.equal(ocr.languages, "deu+chi_sim");
    assert.equal(ocr.dpi, 150);
  });

  it("refuse OCR_LANGUAGES that are not tesseract language names joined by +", () => {
    for (const value of ["eng spa", "eng+", "eng;rm -rf /", "-l", "eng++spa", "../eng"]) {
      assert.throws(
        () => loadConfig({ OCR_LANGUAGES: value }),
        (error: unknown) => error instanceof ConfigError && /OCR_LANGUAGES/.test(error.message),
        value,
      );
    }
  });
});
