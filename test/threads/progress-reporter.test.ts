import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import type { JobProgress } from "../../src/protocol/thread-protocol.js";
import { ProgressReporter } from "../../src/threads/progress-reporter.js";

describe("ProgressReporter", () => {
  it("sends nothing in a job's first interval, then at most one report per interval, the latest", () => {
    let now = 1_000;
    const sent: JobProgress[] = [];
    const reporter = new ProgressReporter(
      (progress) => sent.push(progress),
      250,
      () => now,
    );
    reporter.report({ stage: "downloading" });
    now += 100;
    reporter.report({ stage: "extracting", current: 0, total: 3 });
    assert.deepEqual(sent, [], "a job done within 250 ms costs no progress write");
    now += 150;
    reporter.report({ stage: "extracting", current: 1, total: 3 });
    now += 10;
    reporter.report({ stage: "extracting", current: 2, total: 3 });
    reporter.report({ stage: "chunking" });
    now += 250;
    reporter.report({ stage: "embedding", current: 0, total: 8 });
    assert.deepEqual(sent, [
      { stage: "extracting", current: 1, total: 3 },
      { stage: "embedding", current: 0, total: 8 },
    ]);
  });
});
