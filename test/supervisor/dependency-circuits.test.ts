import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import {
  DependencyUnavailableError,
  type Dependency,
} from "../../src/errors/dependency-unavailable-error.js";
import { createLogger } from "../../src/logging/logger.js";
import { DependencyCircuits } from "../../src/supervisor/dependency-circuits.js";
import { sleep, waitUntil } from "../support/waits.js";

/** Circuits whose probes fail until `healthy` says otherwise; records the pause/resume calls and probe times. */
function circuits(
  healthy: Record<Dependency, () => boolean>,
  options: { minProbeMs?: number; maxProbeMs?: number } = {},
) {
  const changes: boolean[] = [];
  const probeTimes: Record<Dependency, number[]> = { storage: [], embedding: [], database: [] };
  const probe = (dependency: Dependency) => async () => {
    probeTimes[dependency].push(performance.now());
    if (!healthy[dependency]()) {
      throw new DependencyUnavailableError(dependency, "STORAGE_UNAVAILABLE", `${dependency} still down`, {
        credentialsRejected: dependency === "storage",
      });
    }
  };
  const subject = new DependencyCircuits({
    probes: { storage: probe("storage"), embedding: probe("embedding"), database: probe("database") },
    onChange: (anyDown) => changes.push(anyDown),
    logger: createLogger("silent"),
    minProbeMs: options.minProbeMs ?? 20,
    maxProbeMs: options.maxProbeMs ?? 80,
    random: () => 0.5,
  });
  return { subject, changes, probeTimes };
}

describe("DependencyCircuits", () => {
  it("opens once per dependency, pauses on the first and resumes after the last closes", async () => {
    let storageUp = false;
    let databaseUp = false;
    const { subject, changes } = circuits({
      storage: () => storageUp,
      embedding: () => true,
      database: () => databaseUp,
    });
    subject.reportDown("storage", { message: "connect ECONNREFUSED", credentialsRejected: false });
    subject.reportDown("storage", { message: "connect ECONNREFUSED again", credentialsRejected: false });
    subject.reportDown("database", { message: "57P01", credentialsRejected: false });
    assert.deepEqual(changes, [true], "paused once, however many jobs and dependencies report");
    const status = subject.status();
    assert.equal(status.storage.up, false);
    assert.equal(status.storage.reason, "connect ECONNREFUSED again");
    assert.ok(status.storage.downSince !== null && !Number.isNaN(Date.parse(status.storage.downSince)));
    assert.equal(status.embedding.up, true);

    storageUp = true;
    await waitUntil("the storage circuit to close", () => subject.status().storage.up);
    assert.deepEqual(changes, [true], "still paused: the database is down");
    databaseUp = true;
    await waitUntil("the database circuit to close", () => subject.status().database.up);
    assert.deepEqual(changes, [true, false]);
    assert.equal(subject.anyDown, false);
    await subject.stop();
  });

  it("probes with capped exponential backoff, and a probe's refused credentials show in the status", async () => {
    const { subject, probeTimes } = circuits(
      { storage: () => false, embedding: () => true, database: () => true },
      { minProbeMs: 20, maxProbeMs: 80 },
    );
    const opened = performance.now();
    subject.reportDown("storage", { message: "503", credentialsRejected: false });
    await waitUntil("six storage probes", () => probeTimes.storage.length >= 6);
    await subject.stop();
    const gaps = probeTimes.storage.map(
      (time, i) => time - (i === 0 ? opened : (probeTimes.storage[i - 1] ?? 0)),
    );
    // With random 0.5 each wait is 3/4 of its step: 15, 30, 60, then 60 (the 80 ms cap) on.
    const expected = [15, 30, 60, 60, 60, 60];
    gaps.slice(0, 6).forEach((gap, i) => {
      assert.ok(
        gap >= (expected[i] ?? 0) - 2,
        `probe ${i + 1} came after ${gap.toFixed(0)} ms, not before ${expected[i]}`,
      );
    });
    assert.equal(subject.status().storage.credentialsRejected, true);
    const count = probeTimes.storage.length;
    // Absence of probes cannot be waited for as an event: three more cap periods pass.
    await sleep(3 * 80);
    assert.equal(probeTimes.storage.length, count, "no probe after stop()");
  });
});
