/**
 * The OCR corpus (scripts/make-ocr-corpus.sh, test/fixtures/ocr/README.md): which file holds which
 * source pages, what kind of scan it is, and the word accuracy the issue asks of that kind. Read by
 * the accuracy test and the OCR benchmark.
 */
import { readFile } from "node:fs/promises";

export const OCR_CORPUS_DIR = new URL("../fixtures/ocr/", import.meta.url);

/** Issue 17: clean 300 DPI scans ≥ 95 % of words, noisy or 150 DPI ones ≥ 85 %. */
export const CLEAN_ACCURACY = 0.95;
export const DEGRADED_ACCURACY = 0.85;

export interface OcrCorpusFile {
  readonly fileName: string;
  /** What the table calls it: the container, the resolution, what was done to the scan. */
  readonly kind: string;
  /** source/<source>.txt, its pages separated by form feeds. */
  readonly source: string;
  /** The source page on each of the file's pages, in order (page 1 first). */
  readonly sourcePages: readonly number[];
  readonly minAccuracy: number;
}

export const OCR_CORPUS: readonly OcrCorpusFile[] = [
  {
    fileName: "lease-en-300dpi.pdf",
    kind: "scanned PDF, 300 DPI, clean (English)",
    source: "lease-en",
    sourcePages: [1, 2, 3],
    minAccuracy: CLEAN_ACCURACY,
  },
  {
    fileName: "acta-es-300dpi-page2-sideways.pdf",
    kind: "scanned PDF, 300 DPI, page 2 turned 90° (Spanish)",
    source: "acta-es",
    sourcePages: [1, 2],
    minAccuracy: CLEAN_ACCURACY,
  },
  {
    fileName: "lease-en-page1-300dpi.png",
    kind: "PNG, 300 DPI, clean (English)",
    source: "lease-en",
    sourcePages: [1],
    minAccuracy: CLEAN_ACCURACY,
  },
  {
    fileName: "acta-es-300dpi-fax.tiff",
    kind: "multi-page TIFF, 300 DPI, bilevel Group 4 fax (Spanish)",
    source: "acta-es",
    sourcePages: [1, 2],
    minAccuracy: CLEAN_ACCURACY,
  },
  {
    fileName: "acta-es-150dpi.pdf",
    kind: "scanned PDF, 150 DPI, clean (Spanish)",
    source: "acta-es",
    sourcePages: [1, 2],
    minAccuracy: DEGRADED_ACCURACY,
  },
  {
    fileName: "lease-en-300dpi-noisy-skewed.pdf",
    kind: "scanned PDF, 300 DPI, noise + skew ±3° + JPEG q40 (English)",
    source: "lease-en",
    sourcePages: [1, 2, 3],
    minAccuracy: DEGRADED_ACCURACY,
  },
  {
    fileName: "lease-en-page1-150dpi-noisy.jpg",
    kind: "JPEG, 150 DPI, noise + skew −3° + q40 (English)",
    source: "lease-en",
    sourcePages: [1],
    minAccuracy: DEGRADED_ACCURACY,
  },
];

export async function readCorpusFile(fileName: string): Promise<Buffer> {
  return readFile(new URL(fileName, OCR_CORPUS_DIR));
}

/** The source text's pages (split at form feeds), page 1 first. */
export async function sourcePages(source: string): Promise<string[]> {
  return (await readFile(new URL(`source/${source}.txt`, OCR_CORPUS_DIR), "utf8")).split("\f");
}
