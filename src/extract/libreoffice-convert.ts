import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { PermanentError } from "../errors/permanent-error.js";
import { TransientError } from "../errors/transient-error.js";
import {
  runBoundedTool,
  ToolFailedError,
  ToolMissingError,
  ToolTimeoutError,
} from "../tools/bounded-tool.js";
import { withPrivateFile } from "../tools/private-temp-file.js";

/** What LibreOffice writes for us: the formats the project's own extractors read. */
export type ConversionTarget = "docx" | "xlsx" | "pptx";

/** soffice's export filter per target (its --convert-to "ext:filter" form). */
const FILTERS: Readonly<Record<ConversionTarget, string>> = {
  docx: "docx:MS Word 2007 XML",
  xlsx: "xlsx:Calc MS Excel 2007 XML",
  pptx: "pptx:Impress MS PowerPoint 2007 XML",
};
/** A disk that refuses the input file keeps the conversion from running: the worker's trouble. */
const SOFFICE_FILES = { code: "CONVERTER_UNAVAILABLE", prefix: "soffice" } as const;
/** soffice says what it converted on stdout, a line or two: more is not a conversion. */
const MAX_STDOUT_BYTES = 64 * 1024;

/**
 * Converts a legacy or interchange file (.xls, .ppt, .rtf) with LibreOffice headless into the
 * OOXML format of the same kind, for the extractor of that format. Each conversion runs in a
 * private temporary directory (its input, its output and its own user profile, so conversions in
 * other threads never share a profile's lock), removed afterwards, under runBoundedTool's limits:
 * killed with its whole process group past `timeoutMs` or when `interrupt` throws (the pipeline's
 * checkpoint: a cancel, the drain, the document's time limit), or by `timeout` if this thread dies.
 *
 * soffice missing is the worker's fault (TransientError, retried once it is installed); a file it
 * cannot read is the file's (CORRUPT_FILE); one that takes too long fails as DOCUMENT_TIMEOUT.
 */
export async function convertWithLibreOffice(
  bytes: Uint8Array,
  from: string,
  to: ConversionTarget,
  timeoutMs: number,
  interrupt?: () => void,
): Promise<Uint8Array> {
  return withPrivateFile(bytes, `document.${from}`, SOFFICE_FILES, async (input, work) => {
    const outDir = join(work, "out");
    const args = [
      `-env:UserInstallation=${pathToFileURL(join(work, "profile")).href}`,
      "--headless",
      "--norestore",
      "--nolockcheck",
      "--convert-to",
      FILTERS[to],
      "--outdir",
      outDir,
      input,
    ];
    await runSoffice(args, from, timeoutMs, interrupt);
    // soffice exits 0 when it cannot load the input, and writes nothing: the output is the proof.
    const produced = (await readdir(outDir).catch(() => [])).find((name) => name.endsWith(`.${to}`));
    if (produced === undefined) {
      throw new PermanentError("CORRUPT_FILE", `corrupt ${from}: LibreOffice could not read it`, {});
    }
    return new Uint8Array(await readFile(join(outDir, produced)));
  });
}

async function runSoffice(
  args: readonly string[],
  from: string,
  timeoutMs: number,
  interrupt: (() => void) | undefined,
): Promise<void> {
  try {
    await runBoundedTool({
      command: "soffice",
      args,
      timeoutMs,
      maxOutputBytes: MAX_STDOUT_BYTES,
      // soffice.bin looks for a display and a home even headless; neither must be the worker's.
      env: { SAL_USE_VCLPLUGIN: "svp" },
      ...(interrupt ? { interrupt } : {}),
    });
  } catch (error) {
    if (error instanceof ToolMissingError) {
      throw new TransientError(
        "CONVERTER_UNAVAILABLE",
        `LibreOffice (soffice) is not installed on this worker: it converts ${from} files`,
        { command: error.command },
        { cause: error },
      );
    }
    if (error instanceof ToolTimeoutError) {
      throw new PermanentError(
        "DOCUMENT_TIMEOUT",
        `time limit exceeded: LibreOffice still converting the ${from} file after LIBREOFFICE_TIMEOUT_MS=${timeoutMs}`,
        { limitMs: timeoutMs },
        { cause: error },
      );
    }
    if (error instanceof ToolFailedError) {
      throw new PermanentError("CORRUPT_FILE", `corrupt ${from}: ${error.message}`, {}, { cause: error });
    }
    throw error;
  }
}
