import type { Config } from "../config/config.js";
import type { EmbeddingColumnKind } from "../db/embedding-column.js";

/** Passed to every thread as Piscina's `workerData`: plain data, cloned into each thread. */
export interface ThreadData {
  readonly config: Config;
  readonly columnKind: EmbeddingColumnKind;
}
