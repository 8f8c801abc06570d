/**
 * The tool runner's bounds, on real processes: a shell that starts a child of its own (as a tool
 * might) writes both process ids to a file, and each test checks both are gone afterwards.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { after, before, describe, it } from "../support/bounded-test.js";
import { processAlive } from "../support/process-alive.js";
import { waitUntil } from "../support/waits.js";

import {
  runBoundedTool,
  ToolFailedError,
  ToolMissingError,
  ToolTimeoutError,
} from "../../src/tools/bounded-tool.js";

/** `sh` starting `sleep` in the background, both ids written to `pidFile`, then waiting on it. */
const stuckTool = (pidFile: string): { command: string; args: string[] } => ({
  command: "sh",
  args: ["-c", `sleep 60 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; wait`],
});

const pidsIn = async (pidFile: string): Promise<number[]> =>
  waitUntil(`both ids in ${pidFile}`, async () => {
    const pids = (await readFile(pidFile, "utf8")).split("\n").filter(Boolean).map(Number);
    return pids.length === 2 ? pids : false;
  });

describe("runBoundedTool", () => {
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "bounded-tool-"));
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("feeds stdin and returns stdout", async () => {
    const output = await runBoundedTool({
      command: "tr",
      args: ["a-z", "A-Z"],
      stdin: Buffer.from("scan me"),
      timeoutMs: 10_000,
      maxOutputBytes: 1024,
    });
    assert.equal(Buffer.from(output).toString("utf8"), "SCAN ME");
  });

  it("past its time limit, kills the tool and everything it started", async () => {
    const pidFile = join(directory, "timeout.pids");
    await assert.rejects(
      runBoundedTool({ ...stuckTool(pidFile), timeoutMs: 300, maxOutputBytes: 1024 }),
      (error: unknown) => error instanceof ToolTimeoutError && error.timeoutMs === 300,
    );
    for (const pid of await pidsIn(pidFile)) {
      await waitUntil(`process ${pid} gone`, () => !processAlive(pid), { timeoutMs: 5_000 });
    }
  });

  it("an interrupt that throws kills the tool and passes its error on", async () => {
    const pidFile = join(directory, "interrupt.pids");
    const stop = new Error("document cancelled");
    let polls = 0;
    await assert.rejects(
      runBoundedTool({
        ...stuckTool(pidFile),
        timeoutMs: 60_000,
        maxOutputBytes: 1024,
        interrupt: () => {
          polls += 1;
          if (polls === 3) throw stop;
        },
      }),
      (error: unknown) => error === stop,
    );
    for (const pid of await pidsIn(pidFile)) {
      await waitUntil(`process ${pid} gone`, () => !processAlive(pid), { timeoutMs: 5_000 });
    }
  });

  it("a tool whose thread dies is still killed by the backstop, shortly after its limit", async () => {
    const pidFile = join(directory, "orphan.pids");
    const runner = new URL("../../src/tools/bounded-tool.ts", import.meta.url).href;
    // The thread starts the tool and is terminated at once: its timers die with it. (Node loads the
    // runner by its own type stripping there: the file needs no TypeScript-only syntax.)
    const worker = new Worker(
      `import(${JSON.stringify(runner)}).then(({ runBoundedTool }) => {
         runBoundedTool(${JSON.stringify({ ...stuckTool(pidFile), timeoutMs: 500, maxOutputBytes: 1024 })}).catch(() => {});
       });`,
      { eval: true },
    );
    const pids = await pidsIn(pidFile);
    await worker.terminate();
    assert.ok(pids.every(processAlive), "the tool outlived its thread for now");
    // 500 ms limit + the 2 s backstop slack.
    for (const pid of pids) {
      await waitUntil(`process ${pid} gone`, () => !processAlive(pid), { timeoutMs: 10_000 });
    }
  });

  it("a tool that ignores SIGTERM is killed all the same, a second or two later", async () => {
    const pidFile = join(directory, "stubborn.pids");
    await assert.rejects(
      runBoundedTool({
        command: "sh",
        // Only SIGKILL ends this loop (each `sleep` it starts dies of the SIGTERM, the shell not).
        args: ["-c", `trap "" TERM; echo $$ > ${pidFile}; echo $$ >> ${pidFile}; while :; do sleep 1; done`],
        timeoutMs: 300,
        maxOutputBytes: 1024,
      }),
      (error: unknown) => error instanceof ToolTimeoutError,
    );
    for (const pid of await pidsIn(pidFile)) {
      await waitUntil(`process ${pid} gone`, () => !processAlive(pid), { timeoutMs: 10_000 });
    }
  });

  it("a tool not installed is ToolMissingError, a failing one ToolFailedError with its stderr", async () => {
    await assert.rejects(
      runBoundedTool({ command: "no-such-ocr-tool", args: [], timeoutMs: 5_000, maxOutputBytes: 1024 }),
      (error: unknown) => error instanceof ToolMissingError && error.command === "no-such-ocr-tool",
    );
    await assert.rejects(
      runBoundedTool({
        command: "sh",
        args: ["-c", "echo cannot read this image >&2; exit 3"],
        timeoutMs: 5_000,
        maxOutputBytes: 1024,
      }),
      (error: unknown) =>
        error instanceof ToolFailedError && error.message === "sh exited with 3: cannot read this image",
    );
  });

  it("a tool killed by someone else before its limit (the OOM killer) is a failure, not a timeout", async () => {
    await assert.rejects(
      runBoundedTool({
        command: "sh",
        args: ["-c", "kill -KILL $$"],
        timeoutMs: 30_000,
        maxOutputBytes: 1024,
      }),
      (error: unknown) => error instanceof ToolFailedError && /was killed \(SIGKILL/.test(error.message),
    );
  });

  it("stops a tool writing more than maxOutputBytes", async () => {
    await assert.rejects(
      runBoundedTool({ command: "yes", args: [], timeoutMs: 10_000, maxOutputBytes: 64 * 1024 }),
      (error: unknown) =>
        error instanceof ToolFailedError && /wrote more than 65536 bytes/.test(error.message),
    );
  });
});
