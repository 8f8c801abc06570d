/**
 * readPage's speculative read: a page tesseract reads as it is starts at once while its skew is
 * measured beside it; a skewed page stops that read and is read again, turned level. Observed
 * through a `tesseract` on PATH that notes each run's pid before it becomes the real one.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { after, before, describe, it } from "../support/bounded-test.js";
import { processAlive } from "../support/process-alive.js";

import { openImage } from "../../src/ocr/image-pages.js";
import { readPage } from "../../src/ocr/read-page.js";
import { PAGE_TEXTS, textPagePng, wordRecall } from "../support/ocr-fixtures.js";

const SETTINGS = { languages: "eng", pageTimeoutMs: 60_000 };
const LIMITS = { maxImagePixels: 100_000_000, maxPages: 10 };

describe("readPage", () => {
  let dir = "";
  let runs = "";
  let originalPath = "";
  let text = "";
  let level: Buffer = Buffer.alloc(0);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ragworker-read-page-"));
    runs = join(dir, "runs.log");
    const wrapper = join(dir, "tesseract");
    await writeFile(wrapper, `#!/bin/sh\necho $$ >> "${runs}"\nexec /usr/bin/tesseract "$@"\n`);
    await chmod(wrapper, 0o755);
    originalPath = process.env["PATH"] ?? "";
    process.env["PATH"] = `${dir}:${originalPath}`;
    text = PAGE_TEXTS.join("\n\n");
    level = await textPagePng(text, 300);
  });
  after(async () => {
    process.env["PATH"] = originalPath;
    await rm(dir, { recursive: true, force: true });
  });
  const pids = async (): Promise<number[]> =>
    (await readFile(runs, "utf8").catch(() => ""))
      .split("\n")
      .filter((line) => line !== "")
      .map(Number);
  const read = async (bytes: Buffer, interrupt?: () => void) => {
    await rm(runs, { force: true });
    const image = await openImage(bytes, LIMITS);
    return readPage(() => image.page(0), "image", 300, SETTINGS, interrupt);
  };

  it("a level page is read once, as it is", async () => {
    const page = await read(level);
    assert.ok(wordRecall(text, page.text) >= 0.95, page.text);
    assert.equal((await pids()).length, 1);
  });

  it("a page tilted by 3°: the read as it is stops, and the page is read again turned level", async () => {
    const tilted = await sharp(level)
      .rotate(3, { background: { r: 255, g: 255, b: 255 } })
      .png()
      .toBuffer();
    const page = await read(tilted);
    assert.ok(wordRecall(text, page.text) >= 0.95, page.text);
    const started = await pids();
    assert.equal(started.length, 2, "one read as it was, one turned");
    assert.ok(
      started.every((pid) => !processAlive(pid)),
      "no tesseract outlives the page",
    );
  });

  it("the pipeline's interrupt stops the read all the same, with its own error", async () => {
    const cancelled = new Error("cancelled");
    await assert.rejects(
      read(level, () => {
        throw cancelled;
      }),
      (error) => error === cancelled,
    );
    assert.ok((await pids()).every((pid) => !processAlive(pid)));
  });
});
