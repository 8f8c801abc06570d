import { spawn } from "node:child_process";

/** One run of a command-line tool (tesseract, pdftoppm) fed bytes on stdin, its stdout collected. */
export interface ToolRun {
  readonly command: string;
  readonly args: readonly string[];
  /** Its input; given in parts, they are written one after the other (no copy to join them). */
  readonly stdin?: Uint8Array | readonly Uint8Array[];
  /** Stopped (SIGTERM, then SIGKILL; with anything it started) past this: ToolTimeoutError. */
  readonly timeoutMs: number;
  /** Killed when its stdout grows past this: ToolFailedError. */
  readonly maxOutputBytes: number;
  /** Added to the worker's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Polled while the tool runs; throwing stops it (the pipeline's checkpoint: a cancel, the drain,
   * the document's time limit), killing the tool and passing the error on.
   */
  readonly interrupt?: () => void;
}

/** The tool ran past its time limit and was killed. */
export class ToolTimeoutError extends Error {
  readonly command: string;
  readonly timeoutMs: number;

  constructor(command: string, timeoutMs: number) {
    super(`${command} ran past ${timeoutMs} ms and was killed`);
    this.name = "ToolTimeoutError";
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

/** The tool is not installed (or not runnable) on this machine: the worker's fault, not the file's. */
export class ToolMissingError extends Error {
  readonly command: string;

  constructor(command: string) {
    super(`${command} is not installed`);
    this.name = "ToolMissingError";
    this.command = command;
  }
}

/** The tool exited with an error (or wrote too much); `stderr` ends with its own words. */
export class ToolFailedError extends Error {
  readonly command: string;
  readonly stderr: string;

  constructor(command: string, stderr: string, reason: string) {
    super(`${command} ${reason}${stderr === "" ? "" : `: ${stderr}`}`);
    this.name = "ToolFailedError";
    this.command = command;
    this.stderr = stderr;
  }
}

const INTERRUPT_POLL_MS = 100;
/** coreutils `timeout` exits 127 when it cannot find the command, 126 when it cannot run it. */
const COMMAND_NOT_FOUND = 127;
const COMMAND_NOT_RUNNABLE = 126;
/** coreutils `timeout` exits 124 when it timed the command out. */
const TIMED_OUT = 124;
const STDERR_TAIL_CHARS = 400;
/**
 * A tool asked to stop (SIGTERM) gets this long before its whole group is killed (SIGKILL), by
 * `timeout` (`-k`) and, should that be gone too, by us.
 */
const KILL_AFTER_MS = 1_000;
/**
 * The backstop `timeout` waits this much longer than our own timer: ours normally fires first (and
 * says why); `timeout` only acts when the thread that owned the tool is gone (terminated at its
 * document's time limit or its heap limit), so no tool outlives its limit by more than this.
 */
const BACKSTOP_SLACK_MS = 2_000;

/**
 * Runs the tool under coreutils' `timeout` in a process group of its own, so three things stop it:
 * our timer, the caller's interrupt, and, should this thread die before either fires, `timeout`
 * itself. A thread therefore never leaves a tool running past its limit, and it runs one tool at a
 * time (the caller awaits each run). Stopping asks `timeout` (SIGTERM), which passes the signal on
 * and reaps the tool before it exits: a tool killed outright would be left for PID 1 to reap, and in
 * a container whose PID 1 is node nothing does. SIGKILL to the whole group follows a second later
 * for a tool that ignores SIGTERM.
 */
export function runBoundedTool(run: ToolRun): Promise<Uint8Array> {
  const backstopSeconds = ((run.timeoutMs + BACKSTOP_SLACK_MS) / 1000).toFixed(3);
  return new Promise((resolve, reject) => {
    const killAfter = String(KILL_AFTER_MS / 1000);
    const child = spawn("timeout", ["-k", killAfter, backstopSeconds, run.command, ...run.args], {
      // Its own process group (setsid): a kill of -pid reaches the tool as well as `timeout`.
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...run.env },
    });
    const started = Date.now();
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    let stopped: Error | null = null;
    let forceKill: NodeJS.Timeout | undefined;
    const stop = (reason: Error): void => {
      if (stopped) return;
      stopped = reason;
      signal(child.pid, "SIGTERM");
      forceKill = setTimeout(
        () => signal(child.pid === undefined ? undefined : -child.pid, "SIGKILL"),
        KILL_AFTER_MS * 2,
      );
    };
    const timer = setTimeout(() => stop(new ToolTimeoutError(run.command, run.timeoutMs)), run.timeoutMs);
    const poll = run.interrupt
      ? setInterval(() => {
          try {
            run.interrupt?.();
          } catch (error) {
            stop(error instanceof Error ? error : new Error(String(error)));
          }
        }, INTERRUPT_POLL_MS)
      : null;

    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > run.maxOutputBytes) {
        stop(new ToolFailedError(run.command, "", `wrote more than ${run.maxOutputBytes} bytes`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    // A tool that exits before reading all its input (it refused the bytes) closes the pipe: EPIPE
    // here is not the failure, its exit status is.
    child.stdin.on("error", () => undefined);
    const parts = run.stdin === undefined ? [] : run.stdin instanceof Uint8Array ? [run.stdin] : run.stdin;
    for (const part of parts) child.stdin.write(part);
    child.stdin.end();

    child.once("error", (error) => {
      clearTimeout(timer);
      clearTimeout(forceKill);
      if (poll) clearInterval(poll);
      // Only `timeout` itself is spawned directly: coreutils, on every Debian, but still a tool.
      const code = (error as NodeJS.ErrnoException).code;
      reject(code === "ENOENT" || code === "EACCES" ? new ToolMissingError("timeout") : error);
    });
    child.once("close", (code, signalName) => {
      clearTimeout(timer);
      clearTimeout(forceKill);
      if (poll) clearInterval(poll);
      if (stopped) return reject(stopped);
      if (code === COMMAND_NOT_FOUND || code === COMMAND_NOT_RUNNABLE) {
        return reject(new ToolMissingError(run.command));
      }
      if (code === TIMED_OUT) return reject(new ToolTimeoutError(run.command, run.timeoutMs));
      if (signalName === "SIGKILL") {
        // Past the limit, `timeout` killed it (its -k, the tool having ignored SIGTERM); before
        // it, someone else did: on Linux, the out-of-memory killer.
        return reject(
          Date.now() - started >= run.timeoutMs
            ? new ToolTimeoutError(run.command, run.timeoutMs)
            : new ToolFailedError(run.command, stderr.trim(), "was killed (SIGKILL: out of memory?)"),
        );
      }
      if (code !== 0) {
        return reject(new ToolFailedError(run.command, stderr.trim(), `exited with ${code ?? signalName}`));
      }
      resolve(new Uint8Array(Buffer.concat(stdout, stdoutBytes)));
    });
  });
}

/** `pid` (negative: its process group) sent `name`; nothing when it is gone already. */
function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: it exited between the decision and the signal.
  }
}
