import type { Config } from "../config/config.js";
import type { DatabaseSchema } from "../db/database-schema.js";
import type { EmbeddingColumnKind } from "../db/embedding-column.js";

/** Passed to every thread as Piscina's `workerData`: plain data, cloned into each thread. */
export interface ThreadData {
  readonly config: Config;
  readonly columnKind: EmbeddingColumnKind;
  /** Whose tables the database has, as the supervisor found at start. */
  readonly schema: DatabaseSchema;
  /** Process-wide limit on concurrent embedding requests (a SharedArrayBuffer is shared, not copied). */
  readonly embeddingSemaphore: SharedArrayBuffer;
  /** Raised at the drain deadline: stop at the next checkpoint (see CancelFlag). */
  readonly cancelFlag: SharedArrayBuffer;
}
