import type { Logger } from "../logging/logger.js";
import { describeError } from "../logging/describe-error.js";

/**
 * Resources in the order they were acquired, released in reverse: what was opened last depends
 * on what was opened first, so it must close first. A failing release is logged, the rest still
 * run, and its name is returned so the caller can exit non-zero naming it.
 */
export class ReleaseStack {
  private readonly entries: Array<{ name: string; release: () => Promise<void> | void }> = [];

  push(name: string, release: () => Promise<void> | void): void {
    this.entries.push({ name, release });
  }

  /** Releases everything; resolves with the names of the resources that failed to close. */
  async releaseAll(logger: Logger): Promise<string[]> {
    const failed: string[] = [];
    for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
      try {
        await entry.release();
        logger.debug({ resource: entry.name }, "released");
      } catch (error) {
        failed.push(entry.name);
        logger.error({ resource: entry.name, err: describeError(error) }, "release failed");
      }
    }
    return failed;
  }
}
