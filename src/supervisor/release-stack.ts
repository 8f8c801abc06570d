import type { Logger } from "../logging/logger.js";
import { describeError } from "../logging/describe-error.js";

/**
 * Resources in the order they were acquired, released in reverse: what was opened last depends
 * on what was opened first, so it must close first. A failing release is logged and the rest
 * still run.
 */
export class ReleaseStack {
  private readonly entries: Array<{ name: string; release: () => Promise<void> | void }> = [];

  push(name: string, release: () => Promise<void> | void): void {
    this.entries.push({ name, release });
  }

  async releaseAll(logger: Logger): Promise<void> {
    for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
      try {
        await entry.release();
        logger.debug({ resource: entry.name }, "released");
      } catch (error) {
        logger.error({ resource: entry.name, err: describeError(error) }, "release failed");
      }
    }
  }
}
