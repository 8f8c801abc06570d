import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { S3_DEFAULTS, type S3Settings } from "../config/s3-settings.js";
import { FileStorage } from "./file-storage.js";
import { parseS3Url } from "./s3-location.js";
import { S3Storage } from "./s3-storage.js";
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

/** The storage a `STORAGE_URL` names: `s3://BUCKET[/prefix]` or a `file://` directory. */
export function createStorage(url: string, s3: S3Settings = S3_DEFAULTS): Storage {
  if (url.startsWith("s3://")) {
    const { credentials, ...rest } = s3;
    return new S3Storage({ ...parseS3Url(url), ...rest, ...(credentials ? { credentials } : {}) });
  }
  return new FileStorage(storagePathFromUrl(url));
}
