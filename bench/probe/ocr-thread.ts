/**
 * The OCR benchmark's Piscina task (bench/ocr-throughput.ts): one file through ragworker's own
 * extraction path, extractDocument with OCR on, as the pool's threads run it (sharp decoding an
 * image page or pdftoppm rendering a PDF page, then tesseract, OMP_THREAD_LIMIT=1). Loaded as
 * TypeScript: Piscina's threads inherit the parent's `--import tsx`.
 */
import { readFile } from "node:fs/promises";

import { OCR_DEFAULTS } from "../../src/config/ocr-settings.js";
import { extractDocument } from "../../src/extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";

export interface OcrTask {
  readonly path: string;
  readonly languages: string;
  readonly dpi: number;
}

export interface OcrTaskResult {
  readonly pages: number;
  readonly words: number;
}

export default async function ocrFile(task: OcrTask): Promise<OcrTaskResult> {
  const bytes = await readFile(task.path);
  let pages = 0;
  let words = 0;
  await extractDocument(bytes, null, task.path, {
    ...DEFAULT_EXTRACT_OPTIONS,
    ocr: { ...OCR_DEFAULTS, enabled: true, languages: task.languages, dpi: task.dpi },
    onOcrPage: (report) => {
      pages += 1;
      words += report.words;
    },
  });
  return { pages, words };
}
