/**
 * The processes of a Redis set a test starts itself (a Sentinel set, a cluster): each child's
 * last output kept for the error that says why the set did not come up, admin connections to
 * its nodes, and one `stop` that SIGKILLs every child, closes every connection and removes the
 * set's temporary directory. Children still alive when the test process exits are killed too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { Redis } from "ioredis";
import { within } from "./waits.js";

export interface RedisChild {
  readonly process: ChildProcess;
  readonly port: number;
  output: string;
}

export interface RedisProcesses {
  readonly children: readonly RedisChild[];
  launch(binary: string, args: string[], port: number): RedisChild;
  /** A plain connection to the node on `port`, without retries: a node that is gone fails the call. */
  admin(port: number): Redis;
  /** Each child's command line and last output. */
  describe(): string;
  stop(): Promise<void>;
}

/** Every child of every set, killed if the test process exits without stopping them. */
const alive = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of alive) child.kill("SIGKILL");
});

/**
 * A redis-server on `port` of loopback, its files in `dir`, nothing persisted (a test's set never
 * restarts a node expecting its data back), refusing writes when full rather than evicting
 * queue keys; `extra` adds the set's own options (replication, cluster mode).
 */
export function redisServerArgs(port: number, dir: string, extra: readonly string[] = []): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--dbfilename",
    `dump-${port}.rdb`,
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxmemory-policy",
    "noeviction",
    ...extra,
  ];
}

/** `dir` is the set's temporary directory: `stop` removes it. */
export function redisProcesses(dir: string): RedisProcesses {
  const children: RedisChild[] = [];
  const clients: Redis[] = [];
  return {
    children,
    launch(binary, args, port) {
      const started = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
      const child: RedisChild = { process: started, port, output: "" };
      const keep = (text: string) => {
        child.output = (child.output + text).slice(-4000);
      };
      started.stdout?.setEncoding("utf8").on("data", keep);
      started.stderr?.setEncoding("utf8").on("data", keep);
      alive.add(started);
      started.once("exit", () => alive.delete(started));
      children.push(child);
      return child;
    },
    admin(port) {
      const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
      client.on("error", () => undefined); // each call's own rejection says it
      clients.push(client);
      return client;
    },
    describe: () =>
      children.map((child) => `--- ${child.process.spawnargs.join(" ")}\n${child.output}`).join("\n"),
    async stop() {
      for (const client of clients) client.disconnect();
      await Promise.all(
        children.map(async ({ process: child }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, "exit");
          child.kill("SIGKILL");
          await within(exited, `redis process ${child.pid ?? "?"} to exit after SIGKILL`, 10_000);
        }),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
