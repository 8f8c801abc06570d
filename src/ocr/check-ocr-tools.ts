import type { OcrSettings } from "../config/ocr-settings.js";
import { StartupError } from "../errors/startup-error.js";
import { runBoundedTool, ToolMissingError } from "../tools/bounded-tool.js";

const CHECK_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Debian's package for a tesseract language: `chi_sim` is `tesseract-ocr-chi-sim`. */
export function languagePackage(language: string): string {
  return `tesseract-ocr-${language.toLowerCase().replaceAll("_", "-")}`;
}

/**
 * With OCR enabled, the worker refuses to start unless tesseract, every language of OCR_LANGUAGES
 * and pdftoppm are installed: otherwise every scan would fail at run time, after its attempts,
 * for a fault of the machine. The one line names the Debian packages and the way out.
 */
export async function checkOcrTools(ocr: Pick<OcrSettings, "enabled" | "languages">): Promise<void> {
  if (!ocr.enabled) return;
  const requested = ocr.languages.split("+");
  const packages = ["tesseract-ocr", ...requested.map(languagePackage), "poppler-utils"].join(" ");
  const refuse = (what: string, cause?: unknown): never => {
    throw new StartupError(
      `OCR_ENABLED but ${what}: install the Debian packages ${packages}, or set OCR_ENABLED=false`,
      { cause },
    );
  };
  const run = (command: string, args: string[]): Promise<string> =>
    runBoundedTool({ command, args, timeoutMs: CHECK_TIMEOUT_MS, maxOutputBytes: MAX_ANSWER_BYTES }).then(
      (output) => Buffer.from(output).toString("utf8"),
      (error: unknown) =>
        refuse(
          error instanceof ToolMissingError ? `${error.command} is not installed` : `${command} failed`,
          error,
        ),
    );
  // The first line is a heading ("List of available languages in ..."), then one name a line.
  const installed = new Set(
    (await run("tesseract", ["--list-langs"]))
      .split("\n")
      .slice(1)
      .map((line) => line.trim()),
  );
  const missing = requested.filter((language) => !installed.has(language));
  if (missing.length > 0)
    refuse(`tesseract lacks the language${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  await run("pdftoppm", ["-v"]);
}
