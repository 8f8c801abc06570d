import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import { onceWithin, waitUntil } from "../support/waits.js";

import { createLogger } from "../../src/logging/logger.js";
import { DocumentTimeLimit } from "../../src/supervisor/document-time-limit.js";
import { CancelFlag } from "../../src/protocol/thread-protocol.js";

const logger = createLogger("silent");

describe("DocumentTimeLimit", () => {
  it("raises the task's flag at the limit, and aborts the signal only after the grace", async () => {
    // Flag first: with a grace out of reach, the flag goes up and the signal stays quiet.
    const flag = CancelFlag.create();
    const limit = new DocumentTimeLimit(flag, {
      logger,
      documentTimeoutMs: 30,
      documentTimeoutGraceMs: 600_000,
    });
    assert.equal(new CancelFlag(flag).raised, false);
    await waitUntil("the task's flag to be raised at the limit", () => new CancelFlag(flag).raised, {
      intervalMs: 5,
    });
    assert.equal(limit.signal.aborted, false, "the signal waits for the grace");
    limit.clear();
    // Then the abort: with a short grace it comes, and the flag is up by then.
    const shortFlag = CancelFlag.create();
    const short = new DocumentTimeLimit(shortFlag, {
      logger,
      documentTimeoutMs: 30,
      documentTimeoutGraceMs: 40,
    });
    await onceWithin(short.signal, "abort", "the signal to abort after the grace");
    assert.equal(new CancelFlag(shortFlag).raised, true);
  });

  it("does nothing once cleared: a task that returned in time keeps its thread", async () => {
    const clearedFlag = CancelFlag.create();
    const cleared = new DocumentTimeLimit(clearedFlag, {
      logger,
      documentTimeoutMs: 10,
      documentTimeoutGraceMs: 0,
    });
    cleared.clear();
    // A second limit with the same deadline, created later, fires after the cleared one would have.
    const witness = new DocumentTimeLimit(CancelFlag.create(), {
      logger,
      documentTimeoutMs: 10,
      documentTimeoutGraceMs: 0,
    });
    await onceWithin(witness.signal, "abort", "the witness limit to abort");
    assert.equal(new CancelFlag(clearedFlag).raised, false);
    assert.equal(cleared.signal.aborted, false);
  });
});
