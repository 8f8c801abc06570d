/**
 * Runs the real worker (`node dist/cli/main.js …`) as a child process, as an operator would, and
 * exposes its JSON log lines so tests can wait on what it says instead of sleeping.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export const CLI_PATH = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export type LogLine = Record<string, unknown> & { message?: string };

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  readonly stderr: () => string;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited(): Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
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
  const logs: LogLine[] = [];
  const waiters: Array<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let buffered = "";
  let stderrText = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
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
  const exit = once(child, "exit").then(([code, signal]) => (code ?? signal) as number | string);

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderrText.slice(-2000)}`));
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
        reject(new Error(`worker exited (${code}) before the log line; stderr: ${stderrText.slice(-2000)}`));
      });
    });
  };

  return {
    child,
    logs,
    stderr: () => stderrText,
    waitForLog,
    exited: () => exit,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
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
