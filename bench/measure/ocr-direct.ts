/**
 * The OCR benchmark's yardstick: Debian's tesseract run directly, `threads` processes at a time,
 * each page its own process with OMP_THREAD_LIMIT=1 (one core a page, as ragworker runs it), no
 * Node in between. A scanned PDF's page is rendered by pdftoppm as ragworker renders it (grey,
 * OCR_DPI, crop box) into an uncompressed TIFF file that tesseract reads by path: the cheapest
 * direct route measured (CPU a page, 5 runs: TIFF file 1.64 s, PGM file 1.74 s, PGM piped to
 * stdin 2.13 s, PNG piped 2.79 s; tesseract reads stdin byte by byte and PNM slowly, and
 * pdftoppm's PNG is zlib level 6), so the yardstick is the best a script could do.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export type DirectPage =
  | { readonly kind: "image"; readonly path: string }
  | { readonly kind: "pdf page"; readonly path: string; readonly page: number };

export interface DirectOptions {
  readonly languages: string;
  readonly dpi: number;
  readonly threads: number;
}

export interface DirectRun {
  readonly pages: number;
  readonly words: number;
  readonly seconds: number;
}

/** A page's tesseract text can run to tens of kilobytes; far more is a broken run. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

async function readDirect(page: DirectPage, options: DirectOptions): Promise<number> {
  const env = { ...process.env, OMP_THREAD_LIMIT: "1" };
  const { stdout } =
    page.kind === "image"
      ? await run("tesseract", [page.path, "stdout", "-l", options.languages], {
          env,
          maxBuffer: MAX_OUTPUT_BYTES,
        })
      : await run(
          "sh",
          [
            "-c",
            'dir="$(mktemp -d)" && pdftoppm -f "$2" -l "$2" -r "$3" -cropbox -gray -tiff -singlefile "$1" "$dir/page" && tesseract "$dir/page.tif" stdout -l "$4"; status=$?; rm -rf "$dir"; exit "$status"',
            "sh",
            page.path,
            String(page.page),
            String(options.dpi),
            options.languages,
          ],
          { env, maxBuffer: MAX_OUTPUT_BYTES },
        );
  return stdout.split(/\s+/).filter((word) => word !== "").length;
}

/** Every page once, `threads` tesseract processes at a time, each taking the next page as it ends. */
export async function runDirect(pages: readonly DirectPage[], options: DirectOptions): Promise<DirectRun> {
  let next = 0;
  let words = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.threads }, async () => {
      for (let index = next++; index < pages.length; index = next++) {
        const page = pages[index];
        if (!page) continue;
        // Read first, then add: `words += await …` would add to the total as it was before the wait.
        const read = await readDirect(page, options);
        words += read;
      }
    }),
  );
  return { pages: pages.length, words, seconds: (performance.now() - started) / 1000 };
}
