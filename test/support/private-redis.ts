/**
 * A Redis server of the test's own, on a free loopback port, so a test can stop and restart
 * Redis without disturbing the other test files that share the main one. Nothing is persisted:
 * a restart starts empty.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { closeServer, listen, within } from "./waits.js";

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and resolves once the process has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and resolves once it answers PING. */
  start(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 25;

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = findRedisServer();
  const port = await freePort();
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    if (child) throw new Error(`private redis on port ${port} is already running`);
    const started = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmpdir()],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = started;
    let output = "";
    started.stdout?.setEncoding("utf8").on("data", (text: string) => {
      output = (output + text).slice(-4000);
    });
    started.stderr?.setEncoding("utf8").on("data", (text: string) => {
      output = (output + text).slice(-4000);
    });
    const exited = once(started, "exit").then(() => {
      if (child === started) child = null;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(`redis-server on port ${port} exited before answering PING:\n${output}`);
      }
      if (await answersPing(port)) return;
      if (Date.now() > deadline) {
        started.kill("SIGKILL");
        await within(exited, `redis-server on port ${port} to exit after SIGKILL`);
        throw new Error(
          `redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms:\n${output}`,
        );
      }
      await pause(POLL_INTERVAL_MS);
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) {
      child = null;
      return;
    }
    const exited = once(running, "exit");
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), STOP_TIMEOUT_MS);
    try {
      await within(exited, `redis-server on port ${port} to exit`, STOP_TIMEOUT_MS * 2);
    } finally {
      clearTimeout(timer);
    }
    child = null;
  };

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}

/** `redis-server` from PATH, else Debian's /usr/bin/redis-server. */
function findRedisServer(): string {
  return findRedisBinary("redis-server", "apt-get install redis-server");
}

/** `name` (redis-server, redis-sentinel) from PATH, else Debian's /usr/bin; `install` says how to get it. */
export function findRedisBinary(name: string, install: string): string {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  if (existsSync(`/usr/bin/${name}`)) return `/usr/bin/${name}`;
  throw new Error(`${name} not found on PATH or at /usr/bin/${name} (${install})`);
}

/** A loopback port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await closeServer(server);
  if (port === 0) throw new Error("could not get a free port");
  return port;
}

/** One raw `PING` over TCP; true on `+PONG`, false on refusal, error or a 1 s silence. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const finish = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.setEncoding("utf8").on("data", (text: string) => {
      reply += text;
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG"));
    });
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
