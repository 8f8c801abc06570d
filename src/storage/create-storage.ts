import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { FileStorage } from "./file-storage.js";
import type { Storage } from "./storage.js";

/**
 * `file://DIR` (absolute) or `file://./DIR` (relative to the working directory, which is how the
 * default `file://./data/uploads` is meant).
 */
export function storagePathFromUrl(url: string): string {
  if (url.startsWith("file://./") || url.startsWith("file://../"))
    return resolve(url.slice("file://".length));
  return fileURLToPath(url);
}

export function createStorage(url: string): Storage {
  return new FileStorage(storagePathFromUrl(url));
}
