/** Where an `s3://BUCKET[/prefix]` storage URL points: a bucket, and a key prefix inside it. */
export interface S3Location {
  readonly bucket: string;
  /** Without leading or trailing slashes; empty for the bucket's root. */
  readonly prefix: string;
}

// S3's rules for new buckets (also what MinIO, Ceph and R2 accept): 3–63 lowercase letters, digits,
// dots and hyphens, starting and ending with a letter or digit.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Throws on anything but a well-formed `s3://BUCKET[/prefix]` whose prefix is a safe key. */
export function parseS3Url(url: string): S3Location {
  if (!url.startsWith("s3://")) throw new Error(`not an s3:// URL: ${url}`);
  const rest = url.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1).replace(/\/+$/, "");
  if (!BUCKET_NAME.test(bucket) || bucket.includes(".."))
    throw new Error(`not a valid bucket name: ${bucket}`);
  if (prefix !== "" && unsafeKeyReason(prefix) !== null) {
    throw new Error(`not a valid key prefix: ${prefix}`);
  }
  return { bucket, prefix };
}

/** S3's limit on a key's length, in UTF-8 bytes. */
export const MAX_OBJECT_KEY_BYTES = 1024;

/**
 * Why `key` is not a safe object key, or null when it is. Object stores take `..` literally, but
 * the same keys name files in file storage and in tools that mirror a bucket to disk, so a key
 * that would climb out of its directory there is refused here too.
 */
export function unsafeKeyReason(key: string): string | null {
  if (key === "") return "empty key";
  if (key.startsWith("/") || key.startsWith("\\")) return "absolute key";
  // Control characters cannot appear in S3's XML answers (listings) and are never a real file name.
  if ([...key].some((char) => char < " " || char === "\u007f")) return "control character in key";
  if (key.split(/[/\\]/).some((segment) => segment === "." || segment === "..")) {
    return "'.' or '..' segment in key";
  }
  if (Buffer.byteLength(key, "utf8") > MAX_OBJECT_KEY_BYTES)
    return `key longer than ${MAX_OBJECT_KEY_BYTES} bytes`;
  return null;
}
