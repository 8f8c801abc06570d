/** The shutdown state machine on its own: phases, order, deadlines, and the signals each phase aborts. */
import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import { onceWithin } from "../support/waits.js";
import { CancelFlag } from "../../src/protocol/thread-protocol.js";
import { abortable, Shutdown, type ShutdownPhase } from "../../src/supervisor/shutdown.js";

const aborted = async (signal: AbortSignal, what = "a shutdown signal to abort"): Promise<void> => {
  if (!signal.aborted) await onceWithin(signal, "abort", what);
};

function record(shutdown: Shutdown): ShutdownPhase[] {
  const phases: ShutdownPhase[] = [];
  shutdown.onPhase((phase) => phases.push(phase));
  return phases;
}

describe("Shutdown", () => {
  it("a signal during start-up aborts the start-up and stops, without draining", () => {
    const shutdown = new Shutdown({
      drainTimeoutMs: 1_000,
      handBackGraceMs: 1_000,
      forceCloseGraceMs: 1_000,
    });
    const phases = record(shutdown);
    shutdown.begin("SIGTERM");
    assert.equal(shutdown.startup.aborted, true);
    assert.equal(shutdown.handingBack.aborted, false);
    assert.deepEqual(phases, ["stopped"]);
    assert.equal(shutdown.cause, "SIGTERM");
    shutdown.started(); // a start-up that raced to its end does not revive it
    assert.equal(shutdown.phase, "stopped");
  });

  it("drains, hands back at the deadline (raising the cancel flag), then terminates, then force-closes", async () => {
    const shutdown = new Shutdown({ drainTimeoutMs: 20, handBackGraceMs: 20, forceCloseGraceMs: 20 });
    const flag = new CancelFlag(shutdown.cancelFlag);
    const phases = record(shutdown);
    shutdown.started();
    assert.equal(shutdown.stopping, false);
    shutdown.begin("SIGTERM");
    assert.equal(shutdown.stopping, true);
    assert.equal(shutdown.handingBack.aborted, false, "running jobs may still finish");
    assert.equal(flag.raised, false);
    await aborted(shutdown.handingBack);
    assert.equal(flag.raised, true, "threads are asked to stop at their next checkpoint");
    assert.equal(shutdown.terminating.aborted, false);
    await aborted(shutdown.terminating);
    await aborted(shutdown.forceClose);
    shutdown.finish();
    assert.deepEqual(phases, ["running", "draining", "handing back", "terminating", "stopped"]);
  });

  it("a second signal hands back at once; further signals change nothing", () => {
    const shutdown = new Shutdown({
      drainTimeoutMs: 60_000,
      handBackGraceMs: 60_000,
      forceCloseGraceMs: 60_000,
    });
    shutdown.started();
    shutdown.begin("SIGTERM");
    shutdown.begin("SIGINT");
    assert.equal(shutdown.phase, "draining");
    shutdown.hurry();
    assert.equal(shutdown.phase, "handing back");
    assert.equal(shutdown.handingBack.aborted, true);
    shutdown.hurry();
    assert.equal(shutdown.phase, "handing back");
    assert.equal(shutdown.cause, "SIGTERM");
    shutdown.finish();
    assert.equal(shutdown.phase, "stopped");
  });

  it("finishing before a deadline cancels what it would have done", async () => {
    const shutdown = new Shutdown({ drainTimeoutMs: 10, handBackGraceMs: 10, forceCloseGraceMs: 10 });
    shutdown.started();
    shutdown.begin("SIGTERM");
    shutdown.finish();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(shutdown.handingBack.aborted, false, "the jobs had finished: nothing was handed back");
    assert.equal(shutdown.phase, "stopped");
  });

  it("abortable: a start-up step is not waited out once the shutdown began", async () => {
    const never = new Promise<string>(() => undefined);
    const shutdown = new Shutdown({ drainTimeoutMs: 10, handBackGraceMs: 10, forceCloseGraceMs: 10 });
    const waiting = abortable(never, shutdown.startup);
    shutdown.begin("SIGTERM");
    await assert.rejects(waiting, /start-up stopped by SIGTERM/);
    assert.equal(await abortable(Promise.resolve("done"), new AbortController().signal), "done");
  });
});
