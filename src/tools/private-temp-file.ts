import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { TransientCode } from "../errors/error-code.js";
import { TransientError } from "../errors/transient-error.js";

/** Who needs the file, as its error names them: the code a refused write becomes, and what failed. */
export interface PrivateFileOwner {
  readonly code: TransientCode;
  /** Names the directory (`ragworker-<prefix>-…`) and the message ("could not write <prefix>'s …"). */
  readonly prefix: string;
}

/**
 * `bytes` written to a file in a directory of its own (mkdtemp: mode 0700, a random name), for a
 * tool that reads only files (pdftoppm seeks through a PDF; soffice converts a file into another);
 * `use` gets the file's path and its directory, where the tool may write beside it. The directory is
 * removed afterwards, whatever `use` did. A disk that refuses the file is the worker's trouble, not
 * the document's: a TransientError with the owner's code.
 */
export async function withPrivateFile<T>(
  bytes: Uint8Array,
  fileName: string,
  owner: PrivateFileOwner,
  use: (path: string, directory: string) => Promise<T>,
): Promise<T> {
  let directory: string;
  let path: string;
  try {
    directory = await mkdtemp(join(tmpdir(), `ragworker-${owner.prefix}-`));
    path = join(directory, fileName);
    await writeFile(path, bytes, { mode: 0o600 });
  } catch (error) {
    throw new TransientError(
      owner.code,
      `could not write ${owner.prefix}'s temporary file: ${error instanceof Error ? error.message : String(error)}`,
      {},
      { cause: error },
    );
  }
  try {
    return await use(path, directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
