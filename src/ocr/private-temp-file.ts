import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { TransientError } from "../errors/transient-error.js";

/**
 * `bytes` written to a file in a directory of its own (mkdtemp: mode 0700, a random name), for a
 * tool that reads only files (pdftoppm seeks through a PDF); the directory is removed afterwards,
 * whatever `use` did. A disk that refuses the file is the worker's trouble, not the document's.
 */
export async function withPrivateFile<T>(
  bytes: Uint8Array,
  fileName: string,
  use: (path: string) => Promise<T>,
): Promise<T> {
  let directory: string;
  let path: string;
  try {
    directory = await mkdtemp(join(tmpdir(), "ragworker-ocr-"));
    path = join(directory, fileName);
    await writeFile(path, bytes, { mode: 0o600 });
  } catch (error) {
    throw new TransientError(
      "OCR_UNAVAILABLE",
      `could not write OCR's temporary file: ${error instanceof Error ? error.message : String(error)}`,
      {},
      { cause: error },
    );
  }
  try {
    return await use(path);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
