import type { Logger } from "../logging/logger.js";
import { CancelFlag } from "../protocol/thread-protocol.js";

/**
 * A document's time limit: at DOCUMENT_TIMEOUT_MS the task's own flag is raised, so its thread
 * stops at the next checkpoint and fails the document itself; a thread still busy after the grace
 * (stuck inside one parser call, say) is terminated through the signal and Piscina replaces it.
 * Terminating is the last resort: a thread inside onnxruntime's native code takes the process down.
 */
export class DocumentTimeLimit {
  private readonly controller = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    flag: SharedArrayBuffer,
    deps: {
      readonly logger: Logger;
      readonly documentTimeoutMs: number;
      readonly documentTimeoutGraceMs: number;
    },
  ) {
    this.timers.push(
      setTimeout(() => {
        deps.logger.warn(
          { documentTimeoutMs: deps.documentTimeoutMs, graceMs: deps.documentTimeoutGraceMs },
          "document time limit reached; asking its thread to stop",
        );
        new CancelFlag(flag).raise();
        this.timers.push(setTimeout(() => this.controller.abort(), deps.documentTimeoutGraceMs));
      }, deps.documentTimeoutMs),
    );
  }

  /** Aborts when the thread is to be terminated. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}
