/**
 * Starts one contender as a child process of its own, with the runtime probe preloaded and an IPC
 * channel to read it: ragworker as an operator runs it (`node dist/cli/main.js start`), the others
 * through pipeline-host.ts. Each listens on a queue of its own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { freePort } from "../../test/support/private-redis.js";
import { uniqueQueueName } from "../../test/support/services.js";
import { CLI_PATH } from "../../test/support/worker-process.js";
import type { CompiledBenchModules } from "../compile/bench-modules.js";
import { ProbeClient } from "../probe/probe-client.js";

export type ContenderKind = "ragworker" | "in-process" | "sandboxed" | "bare-noop";

export interface Contender {
  readonly kind: ContenderKind;
  /** Threads (ragworker), or the BullMQ Worker's concurrency (the others). */
  readonly threads: number;
  readonly label: string;
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly probe: ProbeClient;
  /** ragworker only: base URL of its ops server. */
  readonly opsUrl: string | undefined;
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST_PATH = fileURLToPath(new URL("./pipeline-host.ts", import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export function contenderLabel(kind: ContenderKind, threads: number): string {
  return `${kind} ×${threads}`;
}

export async function startContender(
  kind: ContenderKind,
  threads: number,
  baseEnv: Record<string, string>,
  compiled: CompiledBenchModules,
  /** Extra node options for ragworker (a CPU profile, say). */
  ragworkerNodeArgs: readonly string[] = [],
): Promise<Contender> {
  const queueName = uniqueQueueName(`bench-${kind}-${threads}`);
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    ...baseEnv,
    DOCUMENT_QUEUE_NAME: queueName,
  };
  let opsUrl: string | undefined;
  let args: string[];
  if (kind === "ragworker") {
    const port = await freePort();
    opsUrl = `http://127.0.0.1:${port}`;
    Object.assign(env, { WORKER_THREADS: String(threads), WORKER_HTTP_PORT: String(port) });
    args = [...ragworkerNodeArgs, "--import", compiled.probeUrl, CLI_PATH, "start"];
  } else {
    Object.assign(env, {
      BENCH_MODE: kind,
      BENCH_CONCURRENCY: String(threads),
      BENCH_SANDBOXED_PROCESSOR: compiled.sandboxedProcessorPath,
    });
    args = ["--import", "tsx", "--import", compiled.probeUrl, HOST_PATH];
  }
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  const keep = (text: string) => {
    output = (output + text).slice(-4_000);
  };
  child.stdout?.setEncoding("utf8").on("data", keep);
  child.stderr?.setEncoding("utf8").on("data", keep);
  const exited = once(child, "exit");

  const connection = new Redis(baseEnv["REDIS_URL"] ?? "redis://127.0.0.1:6379", {
    maxRetriesPerRequest: null,
  });
  const queue = new Queue(queueName, { connection });
  // BullMQ does not close a connection it was handed: both are disconnected in stop().
  const eventsConnection = connection.duplicate();
  const events = new QueueEvents(queueName, { connection: eventsConnection });
  await events.waitUntilReady();

  const ready = kind === "ragworker" ? waitForReadyz(opsUrl ?? "") : waitForHostReady(child);
  await Promise.race([
    ready,
    exited.then(() => {
      throw new Error(`${kind} ×${threads} exited before it was ready:\n${output}`);
    }),
    new Promise((_, reject) =>
      setTimeout(
        () => reject(new Error(`${kind} ×${threads} not ready in time:\n${output}`)),
        READY_TIMEOUT_MS,
      ).unref(),
    ),
  ]);

  return {
    kind,
    threads,
    label: contenderLabel(kind, threads),
    queue,
    events,
    probe: new ProbeClient(child),
    opsUrl,
    async stop() {
      await stopChild(child, exited);
      await events.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      connection.disconnect();
      eventsConnection.disconnect();
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.disconnect();
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

async function waitForReadyz(base: string): Promise<void> {
  for (const deadline = Date.now() + READY_TIMEOUT_MS; Date.now() < deadline;) {
    const ok = await fetch(`${base}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function waitForHostReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type !== "host:ready") return;
      child.off("message", onMessage);
      resolve();
    };
    child.on("message", onMessage);
  });
}
