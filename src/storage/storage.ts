/** Where uploaded files live; `storage_key` in a document row names one object. */
export interface Storage {
  /** Reads the whole object, refusing one larger than `maxBytes`. */
  read(key: string, maxBytes: number): Promise<Uint8Array>;
  write(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * Resolves when the storage answers (the bucket or root is there, the credentials work); throws
   * a DependencyUnavailableError saying why not. The supervisor's storage circuit probes with it.
   */
  probe(): Promise<void>;
  /** Releases connections, where the storage holds any. */
  close?(): void;
  /** Where keys resolve, for logs (never holds secrets). */
  readonly description: string;
}
