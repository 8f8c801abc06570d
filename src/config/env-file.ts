import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "dotenv";
import type { Env } from "./config.js";

/**
 * The environment with `./.env` beneath it, as rag-corp's settings read it: a variable set in the
 * process environment wins over the file. rag-corp's names are case-insensitive, so a lower-case
 * name in the file also sets the upper-case one this worker reads. No file: the environment as is.
 *
 * rag-corp reads a few variables (DOCUMENT_QUEUE_NAME, WORKER_HTTP_PORT, GOOGLE_API_KEY, …) from the
 * process environment only; here every variable may come from the file, which can only make a
 * setting rag-corp ignored take effect, never drop one.
 */
export function withEnvFile(env: Env, directory: string = process.cwd()): Env {
  let text: string;
  try {
    text = readFileSync(resolve(directory, ".env"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return env;
    throw error;
  }
  const merged: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(parse(text))) {
    merged[name.toUpperCase()] ??= value;
    merged[name] = value;
  }
  return { ...merged, ...env };
}
