/** Limits that extraction enforces itself, because only the parser sees pages and archive entries. */
export interface ExtractOptions {
  /** More PDF pages, slides or sheets than this: TOO_MANY_PAGES (config MAX_PAGES). */
  readonly maxPages: number;
  /** Office files (zip archives): more bytes once inflated than this is a bomb (MAX_ARCHIVE_UNCOMPRESSED_BYTES). */
  readonly maxUncompressedBytes: number;
  /** Office files: an entry inflating more than this many times its compressed size is a bomb (MAX_ARCHIVE_COMPRESSION_RATIO). */
  readonly maxCompressionRatio: number;
  /** Office files: more entries than this is not a document anyone wrote (a bomb of many small files). */
  readonly maxArchiveEntries: number;
}

export const DEFAULT_EXTRACT_OPTIONS: ExtractOptions = {
  maxPages: 2000,
  maxUncompressedBytes: 256 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxArchiveEntries: 10_000,
};
