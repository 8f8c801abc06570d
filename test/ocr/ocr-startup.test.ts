/** The worker refuses to start when OCR is on and a language it was asked for is not installed. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess } from "../support/worker-process.js";

describe("OCR start-up check", () => {
  let env: TestEnvironment;

  before(async () => {
    env = await createTestEnvironment("ocr-startup", { embeddingDim: 64 });
  });
  after(async () => {
    await env.close();
  });

  test("a language tesseract lacks: exit 1, one line naming its Debian package and OCR_ENABLED=false", async () => {
    const worker = startWorkerProcess(env.env({ OCR_LANGUAGES: "eng+fra" }));
    assert.equal(await worker.exited(), 1);
    assert.equal(worker.stderr().trim().split("\n").length, 1, worker.stderr());
    assert.match(
      worker.stderr(),
      /OCR_ENABLED but tesseract lacks the language fra: install the Debian packages tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra poppler-utils, or set OCR_ENABLED=false/,
    );
  });
});
