import { Inflate } from "fflate";
import yauzl from "yauzl";

import { PermanentError } from "../errors/permanent-error.js";
import type { ErrorContext } from "../errors/ragworker-error.js";
import type { ExtractOptions } from "./extract-options.js";

export type ArchiveLimits = Pick<
  ExtractOptions,
  "maxUncompressedBytes" | "maxCompressionRatio" | "maxArchiveEntries"
>;

/** Compression method 8, the only one office files use besides 0 (stored). */
const DEFLATE = 8;
/**
 * Entries smaller than this once inflated are never judged by their ratio: a short run of spaces or
 * an empty XML part compresses a thousandfold and harms no one.
 */
const RATIO_GRACE_BYTES = 1024 * 1024;

/**
 * Inflate an office file's zip archive under the bomb limits and return the entries the caller
 * asked to keep. Every entry is inflated, kept or not, because the parser that reads the file after
 * us (mammoth, exceljs) inflates them too: only a full pass proves the archive safe to hand over.
 *
 * Two checks, because a zip's headers can lie: first the central directory (entry count, declared
 * sizes and ratios, encryption flags) refuses an obvious bomb before one byte is inflated; then the
 * bytes actually inflated are counted against the same limits and the inflation is stopped as soon
 * as one is passed. yauzl also fails an entry whose inflated size differs from its declared one.
 */
export async function inflateArchive(
  bytes: Uint8Array,
  format: string,
  limits: ArchiveLimits,
  keep: (name: string) => boolean,
): Promise<Map<string, Buffer>> {
  const zip = await open(bytes, format);
  try {
    const entries = await readDirectory(zip, format, limits);
    checkDeclared(entries, format, limits);
    const kept = new Map<string, Buffer>();
    let total = 0;
    for (const entry of entries) {
      if (entry.fileName.endsWith("/")) continue; // a directory
      const data = await inflateEntry(zip, entry, format, limits, total);
      total += data.length;
      if (keep(entry.fileName)) kept.set(entry.fileName, data);
    }
    return kept;
  } finally {
    zip.close();
  }
}

function open(bytes: Uint8Array, format: string): Promise<yauzl.ZipFile> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true }, (error, zip) => {
      if (error !== null || zip === undefined) reject(corrupt(format, error));
      else resolve(zip);
    });
  });
}

function readDirectory(zip: yauzl.ZipFile, format: string, limits: ArchiveLimits): Promise<yauzl.Entry[]> {
  if (zip.entryCount > limits.maxArchiveEntries) {
    return Promise.reject(
      bomb(`too many archive entries: ${zip.entryCount} > ${limits.maxArchiveEntries}`, format, {
        entries: zip.entryCount,
        limit: limits.maxArchiveEntries,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on("end", () => resolve(entries));
    zip.on("error", (error: unknown) => {
      // yauzl refuses to even list entries under "strong encryption" (PKWARE's certificate-based kind).
      if (error instanceof Error && /strong encryption/.test(error.message))
        reject(encrypted(format, "an archive entry uses strong encryption"));
      else reject(corrupt(format, error));
    });
    zip.readEntry();
  });
}

/** The central directory's claims, checked before anything is inflated. */
function checkDeclared(entries: readonly yauzl.Entry[], format: string, limits: ArchiveLimits): void {
  let declared = 0;
  for (const entry of entries) {
    if (entry.isEncrypted()) {
      throw encrypted(format, `archive entry "${entry.fileName}" is encrypted`, entry.fileName);
    }
    declared += entry.uncompressedSize;
    checkRatio(entry, entry.uncompressedSize, format, limits);
  }
  checkTotal(declared, format, limits);
}

/**
 * Deflated entries are inflated in JavaScript (fflate), not by yauzl through node:zlib: a thread
 * terminated at the document time limit while a node:zlib handle is being set up aborts the whole
 * process (see src/threads/javascript-decompression-stream.ts). yauzl only reads the raw bytes.
 */
function inflateEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  format: string,
  limits: ArchiveLimits,
  inflatedBefore: number,
): Promise<Buffer> {
  const deflated = entry.compressionMethod === DEFLATE;
  return new Promise((resolve, reject) => {
    const options = { decompress: deflated ? false : null, decrypt: null, start: null, end: null };
    zip.openReadStream(entry, options, (error, stream) => {
      if (error !== null) {
        reject(corrupt(format, error));
        return;
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      let failed = false;
      const fail = (failure: PermanentError) => {
        if (failed) return;
        failed = true;
        stream.destroy();
        reject(failure);
      };
      const accept = (part: Uint8Array) => {
        if (failed) return;
        size += part.length;
        if (size > entry.uncompressedSize) {
          fail(
            bomb(
              `archive entry "${entry.fileName}" inflates past its declared ${entry.uncompressedSize} bytes`,
              format,
              { entry: entry.fileName, declared: entry.uncompressedSize },
            ),
          );
          return;
        }
        try {
          checkRatio(entry, size, format, limits);
          checkTotal(inflatedBefore + size, format, limits);
        } catch (limitError) {
          fail(limitError as PermanentError);
          return;
        }
        parts.push(part);
      };
      const inflater = deflated ? new Inflate((data) => accept(data)) : null;
      const push = (part: Uint8Array, final: boolean) => {
        if (inflater === null) {
          accept(part);
          return;
        }
        try {
          inflater.push(part, final);
        } catch (inflateError) {
          fail(corrupt(format, inflateError));
        }
      };
      stream.on("data", (part: Buffer) => push(part, false));
      stream.on("error", (streamError: unknown) => fail(streamFailure(entry, format, streamError)));
      stream.on("end", () => {
        push(new Uint8Array(0), true);
        if (failed) return;
        if (size !== entry.uncompressedSize) {
          fail(
            corrupt(
              format,
              new Error(
                `entry "${entry.fileName}" inflates to ${size} bytes, not the declared ${entry.uncompressedSize}`,
              ),
            ),
          );
          return;
        }
        resolve(Buffer.concat(parts, size));
      });
    });
  });
}

/**
 * yauzl stops an entry that inflates past the size its header declared: a header that lies about
 * its size is how a bomb slips past the directory check, so it is named as one, not as corruption.
 */
function streamFailure(entry: yauzl.Entry, format: string, error: unknown): PermanentError {
  if (error instanceof Error && /too many bytes in the stream/.test(error.message)) {
    return bomb(
      `archive entry "${entry.fileName}" inflates past its declared ${entry.uncompressedSize} bytes`,
      format,
      { entry: entry.fileName, declared: entry.uncompressedSize },
    );
  }
  return corrupt(format, error);
}

function checkRatio(entry: yauzl.Entry, inflated: number, format: string, limits: ArchiveLimits): void {
  if (inflated <= RATIO_GRACE_BYTES) return;
  const ratio = inflated / Math.max(entry.compressedSize, 1);
  if (ratio <= limits.maxCompressionRatio) return;
  throw bomb(
    `archive entry "${entry.fileName}" expands ${Math.round(ratio)}:1 > MAX_ARCHIVE_COMPRESSION_RATIO=${limits.maxCompressionRatio}`,
    format,
    { entry: entry.fileName, ratio: Math.round(ratio), limit: limits.maxCompressionRatio },
  );
}

function checkTotal(inflated: number, format: string, limits: ArchiveLimits): void {
  if (inflated <= limits.maxUncompressedBytes) return;
  throw bomb(
    `archive expands to ${inflated} bytes > MAX_ARCHIVE_UNCOMPRESSED_BYTES=${limits.maxUncompressedBytes}`,
    format,
    { bytes: inflated, limit: limits.maxUncompressedBytes },
  );
}

function bomb(detail: string, format: string, context: ErrorContext): PermanentError {
  return new PermanentError(
    "DECOMPRESSION_BOMB",
    `decompression bomb refused (${format}): ${detail}`,
    context,
  );
}

function encrypted(format: string, detail: string, entryName?: string): PermanentError {
  return new PermanentError("ENCRYPTED_FILE", `encrypted ${format}: ${detail}`, { entry: entryName });
}

function corrupt(format: string, error: unknown): PermanentError {
  const reason = error instanceof Error ? error.message : String(error);
  return new PermanentError("CORRUPT_FILE", `corrupt ${format}: ${reason}`, {}, { cause: error });
}
