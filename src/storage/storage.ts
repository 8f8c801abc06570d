/** Where uploaded files live; `storage_key` in a document row names one object. */
export interface Storage {
  /** Reads the whole object, refusing one larger than `maxBytes`. */
  read(key: string, maxBytes: number): Promise<Uint8Array>;
  write(key: string, bytes: Uint8Array): Promise<void>;
  /** Releases connections, where the storage holds any. */
  close?(): void;
  /** Where keys resolve, for logs (never holds secrets). */
  readonly description: string;
}
