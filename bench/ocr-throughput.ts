/**
 * OCR throughput (issue 17, item 7): pages per second per thread, at 1 and N threads
 * (N = os.availableParallelism()), ragworker's OCR path against Debian's tesseract run directly
 * on the same page images, in one run. Target: ragworker ≥ 0.9 × direct.
 *
 * - ragworker: a Piscina pool of T threads (bench/probe/ocr-thread.ts), each task one file through
 *   extractDocument with OCR on (sharp decodes the image page, tesseract reads it, TSV parsed);
 * - direct: T `tesseract page.png stdout` processes at a time over the same pages;
 * - both with OMP_THREAD_LIMIT=1, the same languages (eng+spa), the same 300 DPI and tesseract's
 *   default page segmentation (psm 3).
 *
 * The pages are the corpus's clean 300 DPI scans (test/fixtures/ocr/, taken out of the PDFs by
 * pdfimages): three different pages (two English, one Spanish), each thread count gets 3 × T of
 * them. A scanned PDF is reported separately, since rendering is part of its cost: T copies of
 * lease-en-300dpi.pdf (3 pages) through extractDocument against pdftoppm writing a TIFF that
 * tesseract reads, page by page. Rounds alternate ragworker and direct so both see the same
 * machine load; rates are medians, the ratio the median of each round's own ratio.
 * Beside the rates, CPU seconds per page (this process, its threads and its tools): on a shared
 * machine the rates move with the neighbours' load, the CPU a page costs much less. Not a test.
 *
 *   npm run bench:ocr [-- --rounds 5 --threads N --languages eng+spa]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Piscina } from "piscina";
import sharp from "sharp";

import { OCR_CORPUS_DIR } from "../test/support/ocr-corpus.js";
import { runDirect, type DirectPage, type DirectRun } from "./measure/ocr-direct.js";
import { processCpuSeconds } from "./measure/process-cpu.js";
import { median } from "./measure/statistics.js";
import type { OcrTask, OcrTaskResult } from "./probe/ocr-thread.js";
import { markdownTable } from "./report/markdown-table.js";

const TARGET = 0.9;
const DPI = 300;
const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    threads: { type: "string", default: String(availableParallelism()) },
    languages: { type: "string", default: "eng+spa" },
  },
});
const rounds = Number(values.rounds);
const languages = values.languages;
const threadCounts = [...new Set([1, Number(values.threads)])];
const corpus = fileURLToPath(OCR_CORPUS_DIR);
const scannedPdf = join(corpus, "lease-en-300dpi.pdf");
const PDF_PAGES = 3;

/** The page images inside the corpus's clean scanned PDFs, written as grey PNGs that say 300 DPI. */
async function pageImages(work: string): Promise<string[]> {
  const sources = [
    { pdf: "lease-en-300dpi.pdf", pages: [1, 2] },
    { pdf: "acta-es-300dpi-page2-sideways.pdf", pages: [1] },
  ];
  const images: string[] = [];
  for (const { pdf, pages } of sources) {
    const prefix = join(work, pdf.replace(/\.pdf$/, ""));
    execFileSync("pdfimages", ["-png", join(corpus, pdf), prefix]);
    const extracted = (await readdir(work))
      .filter((name) => name.startsWith(`${pdf.replace(/\.pdf$/, "")}-`))
      .sort();
    for (const page of pages) {
      const name = extracted[page - 1];
      if (!name) throw new Error(`${pdf} has no page ${page} image`);
      const path = join(work, `page-${images.length + 1}.png`);
      // "b-w" makes a one-channel PNG, as a grey scan is: greyscale() alone with the density
      // metadata wrote RGB (sharp adds an sRGB profile), three times the pixels for both sides to decode.
      await writeFile(
        path,
        await sharp(join(work, name)).toColourspace("b-w").withDensity(DPI).png().toBuffer(),
      );
      images.push(path);
    }
  }
  return images;
}

interface Rate {
  readonly pagesPerSecond: number;
  /** CPU seconds a page, tools included (bench/measure/process-cpu.ts): what load does not change. */
  readonly cpuSecondsPerPage: number;
  readonly pages: number;
  readonly words: number;
}
type Side = "ragworker" | "direct";
type Case = "image" | "pdf";
const rates = new Map<string, Rate[]>();
const key = (side: Side, kind: Case, threads: number): string => `${side}/${kind}/${threads}`;
async function measure(
  side: Side,
  kind: Case,
  threads: number,
  run: () => Promise<DirectRun>,
): Promise<void> {
  const cpuBefore = processCpuSeconds();
  const done = await run();
  const cpuSeconds = processCpuSeconds() - cpuBefore;
  const list = rates.get(key(side, kind, threads)) ?? [];
  list.push({
    pagesPerSecond: done.pages / done.seconds,
    cpuSecondsPerPage: cpuSeconds / done.pages,
    pages: done.pages,
    words: done.words,
  });
  rates.set(key(side, kind, threads), list);
}

async function runRagworker(pool: Piscina, paths: readonly string[]): Promise<DirectRun> {
  const started = performance.now();
  const results = await Promise.all(
    paths.map((path) => pool.run({ path, languages, dpi: DPI } satisfies OcrTask) as Promise<OcrTaskResult>),
  );
  return {
    pages: results.reduce((sum, result) => sum + result.pages, 0),
    words: results.reduce((sum, result) => sum + result.words, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

const repeat = <T>(items: readonly T[], times: number): T[] =>
  Array.from({ length: times }, () => items).flat();

const work = await mkdtemp(join(tmpdir(), "ragworker-bench-ocr-"));
const loadBefore = loadavg();
const started = performance.now();
const pools = new Map<number, Piscina>();
try {
  const images = await pageImages(work);
  for (const threads of threadCounts) {
    pools.set(
      threads,
      new Piscina({
        filename: new URL("./probe/ocr-thread.ts", import.meta.url).href,
        minThreads: threads,
        maxThreads: threads,
        idleTimeout: Number.MAX_SAFE_INTEGER,
        concurrentTasksPerWorker: 1,
      }),
    );
  }
  // Warm-up: every thread loads its modules and sharp, the page cache holds the language data.
  for (const [threads, pool] of pools) await runRagworker(pool, images.slice(0, threads));
  await runDirect([{ kind: "image", path: images[0] ?? "" }], { languages, dpi: DPI, threads: 1 });

  for (let round = 0; round < rounds; round += 1) {
    for (const threads of threadCounts) {
      const pool = pools.get(threads);
      if (!pool) throw new Error(`no pool of ${threads}`);
      const pageRun = repeat(images, threads);
      const pdfRun = repeat([scannedPdf], threads);
      const directImages: DirectPage[] = pageRun.map((path) => ({ kind: "image", path }));
      const directPdf: DirectPage[] = repeat(
        Array.from({ length: PDF_PAGES }, (_, index) => ({
          kind: "pdf page" as const,
          path: scannedPdf,
          page: index + 1,
        })),
        threads,
      );
      const options = { languages, dpi: DPI, threads };
      // Alternated, so a busy spell of the machine weighs on both sides alike.
      const order: Side[] = round % 2 === 0 ? ["ragworker", "direct"] : ["direct", "ragworker"];
      for (const side of order) {
        console.log(`round ${round + 1}/${rounds}, ${threads} thread(s): ${side}`);
        if (side === "ragworker") {
          await measure(side, "image", threads, () => runRagworker(pool, pageRun));
          await measure(side, "pdf", threads, () => runRagworker(pool, pdfRun));
        } else {
          await measure(side, "image", threads, () => runDirect(directImages, options));
          await measure(side, "pdf", threads, () => runDirect(directPdf, options));
        }
      }
    }
  }
} finally {
  await Promise.all([...pools.values()].map((pool) => pool.destroy()));
  await rm(work, { recursive: true, force: true });
}
const loadAfter = loadavg();

const runsOf = (side: Side, kind: Case, threads: number): Rate[] => rates.get(key(side, kind, threads)) ?? [];
const perThread = (side: Side, kind: Case, threads: number): number =>
  median(runsOf(side, kind, threads).map((rate) => rate.pagesPerSecond)) / threads;
const cpuPerPage = (side: Side, kind: Case, threads: number): number =>
  median(runsOf(side, kind, threads).map((rate) => rate.cpuSecondsPerPage));
const rows: string[][] = [];
const figures: Array<Record<string, number | string>> = [];
/**
 * The ratio of each round's two runs, which ran back to back, then the median over rounds: a
 * neighbour's busy minute slows both runs of a round, where a ratio of the two sides' medians can
 * pair a fast direct run with a slow ragworker run of another minute.
 */
const pairedRatio = (kind: Case, threads: number): number => {
  const direct = runsOf("direct", kind, threads);
  return median(
    runsOf("ragworker", kind, threads).map(
      (rate, round) => rate.pagesPerSecond / (direct[round]?.pagesPerSecond ?? Number.NaN),
    ),
  );
};
for (const kind of ["image", "pdf"] as const) {
  for (const threads of threadCounts) {
    const direct = perThread("direct", kind, threads);
    const ragworker = perThread("ragworker", kind, threads);
    const ratio = pairedRatio(kind, threads);
    const directCpu = cpuPerPage("direct", kind, threads);
    const ragworkerCpu = cpuPerPage("ragworker", kind, threads);
    const words = (side: Side): number => runsOf(side, kind, threads)[0]?.words ?? 0;
    rows.push([
      kind === "image" ? "300 DPI page images (PNG)" : "scanned PDF, rendered at 300 DPI",
      String(threads),
      direct.toFixed(3),
      ragworker.toFixed(3),
      ratio.toFixed(2),
      ratio >= TARGET ? "yes" : "no",
      `${ragworkerCpu.toFixed(2)} / ${directCpu.toFixed(2)}`,
      `${words("ragworker")} / ${words("direct")}`,
    ]);
    figures.push({
      case: kind,
      threads,
      directPagesPerSecondPerThread: direct,
      ragworkerPagesPerSecondPerThread: ragworker,
      ratio,
      directCpuSecondsPerPage: directCpu,
      ragworkerCpuSecondsPerPage: ragworkerCpu,
    });
  }
}

const tesseractVersion = execFileSync("tesseract", ["--version"], { encoding: "utf8" }).split("\n")[0];
console.log();
console.log(
  `OCR throughput: ${tesseractVersion}, -l ${languages}, ${DPI} DPI, psm 3, OMP_THREAD_LIMIT=1; ` +
    `${cpus()[0]?.model ?? "?"} (${availableParallelism()} cores); median of ${rounds} rounds; load average ` +
    `${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
console.log(
  markdownTable(
    [
      "case",
      "threads",
      "direct tesseract pages/s/thread",
      "ragworker pages/s/thread",
      "ragworker / direct (median of rounds)",
      `≥ ${TARGET}`,
      "CPU s/page (ragworker / direct)",
      "words (ragworker / direct)",
    ],
    rows,
  ),
);
await writeFile(
  new URL("./results/ocr-throughput.json", import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        cpuModel: cpus()[0]?.model,
        availableParallelism: availableParallelism(),
        node: process.version,
        tesseract: tesseractVersion,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
      },
      plan: { rounds, languages, dpi: DPI, threadCounts, pageImages: 3, pdfPages: PDF_PAGES },
      target: TARGET,
      figures,
      rounds: Object.fromEntries(rates),
    },
    null,
    2,
  )}\n`,
);
