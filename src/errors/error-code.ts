/**
 * Stable error codes. They appear in logs, in the `FAILED` reason and in metrics labels, so they
 * are part of the contract: add new ones, never rename.
 */
export const PERMANENT_CODES = [
  "UNSUPPORTED_TYPE",
  "CORRUPT_FILE",
  "ENCRYPTED_FILE",
  "FILE_TOO_LARGE",
  "TOO_MANY_CHUNKS",
  "TOO_MUCH_TEXT",
  "DOCUMENT_TIMEOUT",
  "EMPTY_DOCUMENT",
  "STORAGE_KEY_REJECTED",
  "STORAGE_NOT_FOUND",
  "EMBEDDING_REJECTED",
  "DATABASE_REJECTED",
  "TOO_MANY_PAGES",
  "DECOMPRESSION_BOMB",
  "NESTING_TOO_DEEP",
  "IMAGE_TOO_LARGE",
  "OCR_PAGE_TIMEOUT",
] as const;

export const TRANSIENT_CODES = [
  "DATABASE_UNAVAILABLE",
  "STORAGE_UNAVAILABLE",
  "EMBEDDING_UNAVAILABLE",
  "THREAD_CRASHED",
  "CONVERTER_UNAVAILABLE",
  "OCR_UNAVAILABLE",
] as const;

export type PermanentCode = (typeof PERMANENT_CODES)[number];
export type TransientCode = (typeof TRANSIENT_CODES)[number];
/**
 * Neither the document's fault nor a dependency's: the worker handed the job back at its drain
 * deadline (HandBackError), the user cancelled the document (DocumentCancelledError), or the
 * pipeline threw an error it does not know (UnexpectedError, a bug).
 */
export type OtherCode = "INTERRUPTED" | "CANCELLED" | "UNEXPECTED_ERROR";
export type ErrorCode = PermanentCode | TransientCode | OtherCode;
