/**
 * Bounded waits for tests: every wait here has a deadline and, when it passes, fails with what it
 * was waiting for, so a hang costs one test its timeout and names itself instead of stalling the
 * run. Use these instead of a bare `once(…)`, `new Promise(…)` without a timer or a polling loop.
 */
import type { EventEmitter } from "node:events";
import type { Server } from "node:net";

/** The default deadline of a wait in tests: long enough for a busy 2-core machine. */
export const WAIT_TIMEOUT_MS = 30_000;

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, detail = "") {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `; ${detail}` : ""}`);
    this.name = "WaitTimeoutError";
  }
}

/**
 * `promise`, or a WaitTimeoutError naming `what` once `timeoutMs` have passed. `onTimeout` runs
 * first (kill a child, say) and its text, if any, is appended to the error.
 */
export function within<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs: number = WAIT_TIMEOUT_MS,
  onTimeout?: () => string | void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      let detail = "";
      try {
        detail = onTimeout?.() ?? "";
      } catch (error) {
        detail = `and cleaning up failed: ${String(error)}`;
      }
      reject(new WaitTimeoutError(what, timeoutMs, detail));
    }, timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The arguments of the next `event` on `emitter`, like `events.once` (an "error" event rejects),
 * but failing after `timeoutMs` with `what` in the message.
 */
export function onceWithin(
  emitter: EventEmitter | EventTarget,
  event: string,
  what: string,
  timeoutMs: number = WAIT_TIMEOUT_MS,
): Promise<unknown[]> {
  return new Promise<unknown[]>((resolve, reject) => {
    let cleanup = (): void => undefined;
    const timer = setTimeout(() => {
      cleanup();
      reject(new WaitTimeoutError(`${what} ("${event}")`, timeoutMs));
    }, timeoutMs);
    if ("addEventListener" in emitter && !("on" in emitter)) {
      const listener = (value: Event) => {
        cleanup();
        resolve([value]);
      };
      emitter.addEventListener(event, listener, { once: true });
      cleanup = () => {
        clearTimeout(timer);
        emitter.removeEventListener(event, listener);
      };
      return;
    }
    const target = emitter as EventEmitter;
    const onEvent = (...args: unknown[]) => {
      cleanup();
      resolve(args);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    target.on(event, onEvent);
    if (event !== "error") target.on("error", onError);
    cleanup = () => {
      clearTimeout(timer);
      target.off(event, onEvent);
      target.off("error", onError);
    };
  });
}

/**
 * Calls `check` every `intervalMs` until it returns something other than `undefined` or `false`,
 * and returns that; fails after `timeoutMs` naming `what` (and the last value or error seen).
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = "";
    } catch (error) {
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, last);
    await sleep(intervalMs);
  }
}

/** A plain pause, for pacing (never as a way to wait for something: use the helpers above). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Listens on `host:port` (port 0: any free one) and returns the port; fails on an error or timeout. */
export async function listen(server: Server, port = 0, host = "127.0.0.1"): Promise<number> {
  const listening = onceWithin(server, "listening", `a test server to listen on ${host}:${port}`);
  server.listen(port, host);
  await listening;
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("test server has no address");
  return address.port;
}

/**
 * Closes a server: stops listening, cuts its HTTP connections when it has any (kept-alive ones
 * would hold `close` open) and waits, bounded, until it has closed.
 */
export async function closeServer(server: Server, what = "a test server to close"): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  const http = server as Server & { closeAllConnections?: () => void };
  http.closeAllConnections?.();
  await within(closed, what);
}
