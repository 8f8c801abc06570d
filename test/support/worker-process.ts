/**
 * Runs the real worker (`node dist/cli/main.js …`) as a child process, as an operator would, and
 * exposes its JSON log lines so tests can wait on what it says instead of sleeping.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { waitUntil, within, WAIT_TIMEOUT_MS } from "./waits.js";

export const CLI_PATH = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export type LogLine = Record<string, unknown> & { message?: string };

/**
 * How long `exited()` and `stop()` wait by default: the worker's default drain (DRAIN_TIMEOUT_MS,
 * 25 s) plus hand-back and closing, four times over for a busy machine.
 */
export const EXIT_TIMEOUT_MS = 120_000;

/** Workers started and not yet exited, so none outlives its test file (see the end of this file). */
const running = new Set<ChildProcess>();

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  /** Everything the process wrote to stdout so far, as it wrote it (the CLI's own output, say). */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** The first log line `predicate` accepts (already seen or to come); fails after `timeoutMs`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /**
   * Resolves with the exit code (or signal name) once the process has ended. After `timeoutMs` it
   * kills the process (SIGKILL) and fails naming it.
   */
  exited(timeoutMs?: number): Promise<number | string>;
  /** Sends `signal` (SIGTERM) and returns `exited(timeoutMs)`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

export function startWorkerProcess(
  env: Record<string, string>,
  args: string[] = ["start"],
  cliPath: string = CLI_PATH,
  /** Node's own options (before the script), e.g. `--import` of a fault injector. */
  nodeArgs: readonly string[] = [],
  /** Working directory (where `./.env` is read from); this process's own by default. */
  cwd?: string,
): WorkerProcess {
  const child = spawn(process.execPath, [...nodeArgs, cliPath, ...args], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    ...(cwd ? { cwd } : {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const name = `worker pid ${child.pid ?? "?"} (${[...args].join(" ")})`;
  running.add(child);
  const logs: LogLine[] = [];
  const waiters: Array<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let buffered = "";
  let stdoutText = "";
  let stderrText = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdoutText += text;
    buffered += text;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const raw = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { message: raw, unparsed: true };
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderrText += text;
  });
  // "close", not "exit": by then stdout and stderr have been read to their end.
  const exit = once(child, "close").then(([code, signal]) => {
    running.delete(child);
    return (code ?? signal) as number | string;
  });
  const stderrTail = () => `stderr: ${stderrText.slice(-2000)}`;

  const exited = (timeoutMs = EXIT_TIMEOUT_MS): Promise<number | string> =>
    within(exit, `${name} to exit`, timeoutMs, () => {
      child.kill("SIGKILL");
      return `killed it (SIGKILL); last log: ${JSON.stringify(logs.at(-1) ?? null)}; ${stderrTail()}`;
    });

  const waitForLog = (
    predicate: (line: LogLine) => boolean,
    timeoutMs = WAIT_TIMEOUT_MS,
  ): Promise<LogLine> => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `${name}: no matching log line within ${timeoutMs} ms (waiting for ${String(predicate)}); ` +
              `last log: ${JSON.stringify(logs.at(-1) ?? null)}; ${stderrTail()}`,
          ),
        );
      }, timeoutMs);
      waiters.push({
        predicate,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exit.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`${name} exited (${code}) before the log line ${String(predicate)}; ${stderrTail()}`),
        );
      });
    });
  };

  return {
    child,
    logs,
    stdout: () => stdoutText,
    stderr: () => stderrText,
    waitForLog,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = EXIT_TIMEOUT_MS) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited(timeoutMs);
    },
  };
}

// Under `node --test`, a worker a failed test left running is killed once the file's tests are
// done; otherwise its pipes would keep the file's process alive until the file's timeout. Bench
// and fault scripts, which also use this harness, are not test runs: nothing is registered there.
if (process.env["NODE_TEST_CONTEXT"] !== undefined) {
  after(
    () => {
      for (const child of running) child.kill("SIGKILL");
    },
    { timeout: 10_000 },
  );
}

/**
 * Waits until the worker serves: its ops server listens, it fetches jobs, and `threads` threads
 * have their pools and models. Returns the ops server's port (tests run it on port 0).
 */
export async function waitUntilServing(worker: WorkerProcess, threads = 1): Promise<number> {
  const listening = await worker.waitForLog((line) => line.message === "ops server listening");
  await worker.waitForLog((line) => line.message === "Worker arrancando");
  const ready = () =>
    new Set(worker.logs.filter((line) => line.message === "thread ready").map((line) => line["thread"]));
  await worker.waitForLog(() => ready().size >= threads);
  return Number(listening["port"]);
}

/**
 * The "document READY" lines `workers` wrote for `documentIds`, once each of those documents has
 * at least one. A thread writes the line after its commit and the line crosses a pipe, so a test
 * that saw the rows READY (or the jobs completed) can still be ahead of the lines on a busy
 * machine: counting them at once has come up one short in CI.
 */
export async function readyLinesFor(
  workers: readonly WorkerProcess[],
  documentIds: Iterable<string>,
  timeoutMs = 10_000,
): Promise<LogLine[]> {
  const wanted = new Set(documentIds);
  const lines = () =>
    workers.flatMap((worker) =>
      worker.logs.filter(
        (line) => line.message === "document READY" && wanted.has(String(line["document_id"])),
      ),
    );
  await waitUntil(
    `a "document READY" log line for each of ${wanted.size} documents`,
    () => new Set(lines().map((line) => String(line["document_id"]))).size === wanted.size,
    { timeoutMs, intervalMs: 50 },
  );
  return lines();
}
