import { integer } from "./readers.js";
import { readGroup, setting } from "./setting.js";

/** What one document may weigh: past any of these it fails for good (not retried). */
export const LIMIT_SETTINGS = {
  maxChunks: setting("MAX_CHUNKS", integer(1, 1_000_000), {
    default: "2000",
    describe:
      'more chunks: `FAILED` `TOO_MANY_CHUNKS` "too many chunks: 2400 > MAX_CHUNKS=2000", not retried',
  }),
  maxFileBytes: setting("MAX_FILE_BYTES", integer(1, 2 ** 31, "a byte count"), {
    default: String(50 * 1024 * 1024),
    describe:
      'larger files: `FAILED` `FILE_TOO_LARGE` "file too large: … bytes > MAX_FILE_BYTES=52428800", not retried',
  }),
  maxExtractedChars: setting("MAX_EXTRACTED_CHARS", integer(1, 500_000_000, "a character count"), {
    default: "5000000",
    describe:
      'more extracted text (all pages and sections): `FAILED` `TOO_MUCH_TEXT` "too much text: … characters > MAX_EXTRACTED_CHARS=5000000", not retried',
  }),
  maxPages: setting("MAX_PAGES", integer(1, 1_000_000), {
    default: "2000",
    describe:
      "more PDF pages, slides or sheets than this: `FAILED` (`too many pages: N > MAX_PAGES=2000`), not retried",
  }),
  maxArchiveUncompressedBytes: setting(
    "MAX_ARCHIVE_UNCOMPRESSED_BYTES",
    integer(1, 2 ** 40, "a byte count"),
    {
      default: String(256 * 1024 * 1024),
      describe:
        "office files (DOCX, PPTX, XLSX, ODT) inflating to more than this: `FAILED` as a decompression bomb, not retried",
    },
  ),
  maxArchiveCompressionRatio: setting("MAX_ARCHIVE_COMPRESSION_RATIO", integer(2, 1_000_000), {
    default: "200",
    describe:
      "an office-file entry over 1 MiB inflating more than this many times its compressed size: `FAILED` as a decompression bomb",
  }),
};

/** The limits with nothing set: what extraction applies when called without options. */
export const LIMIT_DEFAULTS = readGroup({}, LIMIT_SETTINGS);
