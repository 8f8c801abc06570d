/**
 * The drain's end: a resource that fails to close is named in the log and makes the stop reject,
 * which the signal handler turns into exit code 1; a clean stop resolves and the exit code is 0.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createLogger } from "../../src/logging/logger.js";
import { ReleaseStack } from "../../src/supervisor/release-stack.js";
import { Shutdown } from "../../src/supervisor/shutdown.js";
import { installSignalHandlers } from "../../src/supervisor/signals.js";
import { createStop } from "../../src/supervisor/supervisor.js";
import { after, describe, it } from "../support/bounded-test.js";
import { waitUntil } from "../support/waits.js";

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, logger: createLogger("debug", { module: "supervisor" }, { destination }) };
}

const deadlines = { drainTimeoutMs: 60_000, handBackGraceMs: 60_000, forceCloseGraceMs: 60_000 };

describe("stopping the supervisor", () => {
  it("releases in reverse, names the resource that failed to close, and rejects", async () => {
    const { lines, logger } = capturedLogger();
    const shutdown = new Shutdown(deadlines);
    shutdown.started();
    const order: string[] = [];
    const releases = new ReleaseStack();
    releases.push("database pool", () => void order.push("database pool"));
    releases.push("thread pool", () => {
      order.push("thread pool");
      throw new Error("threads would not close");
    });
    releases.push("queue worker", () => void order.push("queue worker"));
    const stop = createStop(shutdown, releases, { drainTimeoutMs: 60_000 }, logger);
    await assert.rejects(stop("SIGTERM"), /could not close: thread pool/);
    assert.deepEqual(
      order,
      ["queue worker", "thread pool", "database pool"],
      "last acquired, first released",
    );
    assert.equal(shutdown.phase, "stopped");
    await waitUntil("the release failure to be logged", () =>
      lines.find((line) => line["message"] === "release failed" && line["resource"] === "thread pool"),
    );
  });

  it("a clean stop resolves once, however often it is asked", async () => {
    const { logger } = capturedLogger();
    const shutdown = new Shutdown(deadlines);
    shutdown.started();
    let released = 0;
    const releases = new ReleaseStack();
    releases.push("queue worker", () => void (released += 1));
    const stop = createStop(shutdown, releases, { drainTimeoutMs: 60_000 }, logger);
    await Promise.all([stop("SIGTERM"), stop("SIGINT")]);
    assert.equal(released, 1);
    assert.equal(shutdown.cause, "SIGTERM");
  });

  describe("the signal handlers", () => {
    // Seen as a plain emitter: process's typed overloads do not take a list of event names.
    const emitter: NodeJS.EventEmitter = process;
    const events = ["SIGTERM", "SIGINT", "unhandledRejection", "uncaughtException"];
    const kept = new Map(events.map((event) => [event, emitter.listeners(event)]));
    after(() => {
      // Only the listeners this test added go; the test runner's own stay.
      for (const event of events) {
        for (const listener of emitter.listeners(event)) {
          if (!kept.get(event)?.includes(listener)) {
            emitter.removeListener(event, listener as (...args: unknown[]) => void);
          }
        }
      }
    });

    it("exit 1 when the drain fails, after a SIGTERM while running; a second signal hands back at once", async () => {
      const { lines, logger } = capturedLogger();
      const shutdown = new Shutdown(deadlines);
      const codes: number[] = [];
      let drains = 0;
      installSignalHandlers(shutdown, logger, {
        drain: () => {
          drains += 1;
          return Promise.reject(new Error("could not close: thread pool"));
        },
        exit: (code) => codes.push(code),
      });
      shutdown.started();
      process.emit("SIGTERM", "SIGTERM");
      assert.equal(shutdown.phase, "draining");
      process.emit("SIGTERM", "SIGTERM");
      assert.equal(shutdown.phase, "handing back", "the second signal skips the rest of the drain");
      await waitUntil("the exit code", () => codes.length > 0);
      assert.deepEqual(codes, [1]);
      assert.equal(drains, 1);
      assert.ok(lines.some((line) => line["message"] === "drain failed"));
      shutdown.finish();
    });
  });
});
