import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "../support/bounded-test.js";

import { createLogger } from "../../src/logging/logger.js";
import { DocumentTimeLimit } from "../../src/supervisor/document-time-limit.js";
import { CancelFlag } from "../../src/protocol/thread-protocol.js";

const logger = createLogger("silent");

describe("DocumentTimeLimit", () => {
  it("raises the task's flag at the limit, and aborts the signal only after the grace", async () => {
    const flag = CancelFlag.create();
    const started = performance.now();
    const limit = new DocumentTimeLimit(flag, { logger, documentTimeoutMs: 30, documentTimeoutGraceMs: 40 });
    assert.equal(new CancelFlag(flag).raised, false);
    await once(limit.signal, "abort");
    const elapsed = performance.now() - started;
    assert.equal(new CancelFlag(flag).raised, true);
    // Timers never fire early (a millisecond of rounding aside): the grace came after the limit.
    assert.ok(elapsed >= 69, `aborted after ${elapsed.toFixed(1)} ms`);
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
    await once(witness.signal, "abort");
    assert.equal(new CancelFlag(clearedFlag).raised, false);
    assert.equal(cleared.signal.aborted, false);
  });
});
