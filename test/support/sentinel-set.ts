/**
 * A Redis Sentinel set of the test's own, from Debian's packages (redis-server, redis-sentinel):
 * a primary, one replica and three sentinels on free loopback ports, each in a temporary
 * directory (nothing persisted: a sentinel only rewrites its own config file there). `start`
 * returns once the three sentinels agree on the primary, know each other and the replica, and the
 * replica is in sync; `stop` kills everything and removes the directory. `killPrimary` is the
 * fault: SIGKILL, as a crashed or lost node, so the sentinels must promote the replica.
 */
import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { findRedisBinary, freePort } from "./private-redis.js";
import { redisProcesses, redisServerArgs } from "./redis-processes.js";
import { waitUntil, within } from "./waits.js";

export const SENTINEL_MASTER_NAME = "ragworker-test";
/** How long a sentinel waits before it calls a silent primary down; the failover starts then. */
export const DOWN_AFTER_MS = 1_000;
const QUORUM = 2;
const SENTINELS = 3;
const START_TIMEOUT_MS = 30_000;

export interface SentinelSet {
  /** REDIS_URL for the set: `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/<name>`. */
  readonly url: string;
  readonly sentinelPorts: readonly number[];
  /** The port every sentinel names as the primary now (fails unless they all agree). */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary and returns its port. */
  killPrimary(): Promise<number>;
  /**
   * Waits until every sentinel names a primary other than `oldPort` and that node says it is a
   * primary; returns its port.
   */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  /** Waits until the replica has everything the primary had when called (replication offsets). */
  waitForReplicaInSync(timeoutMs?: number): Promise<void>;
  /** A plain connection to one data node (admin commands: INFO, DBSIZE). */
  node(port: number): Redis;
  stop(): Promise<void>;
}

export async function startSentinelSet(): Promise<SentinelSet> {
  const redisServer = findRedisBinary("redis-server", "apt-get install redis-server");
  const redisSentinel = findRedisBinary(
    "redis-sentinel",
    "apt-get install redis-sentinel, or bash scripts/services.sh test-tools",
  );
  const dir = await mkdtemp(join(tmpdir(), "ragworker-sentinel-"));
  const processes = redisProcesses(dir);
  const { children, launch, admin, stop } = processes;

  const serverArgs = (port: number, extra: string[]): string[] => redisServerArgs(port, dir, extra);

  try {
    const primaryPort = await freePort();
    launch(redisServer, serverArgs(primaryPort, []), primaryPort);
    const replicaPort = await freePort();
    launch(
      redisServer,
      serverArgs(replicaPort, ["--replicaof", "127.0.0.1", String(primaryPort)]),
      replicaPort,
    );
    const sentinelPorts: number[] = [];
    for (let i = 0; i < SENTINELS; i += 1) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      // A sentinel rewrites its config file (what it learns), so each has its own, writable one.
      await writeFile(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primaryPort} ${QUORUM}`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          "",
        ].join("\n"),
      );
      launch(redisSentinel, [conf], port);
      sentinelPorts.push(port);
    }
    const sentinels = sentinelPorts.map(admin);
    const nodes = new Map<number, Redis>();
    const node = (port: number): Redis => {
      let client = nodes.get(port);
      if (!client) {
        client = admin(port);
        nodes.set(port, client);
      }
      return client;
    };
    const describeChildren = processes.describe;

    const masterAddresses = () =>
      Promise.all(
        sentinels.map(async (sentinel) => {
          const reply = (await sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SENTINEL_MASTER_NAME)) as
            [string, string] | null;
          return reply === null ? null : Number(reply[1]);
        }),
      );
    const agreedPrimary = async (): Promise<number | undefined> => {
      const ports = await masterAddresses();
      const [first] = ports;
      return first !== null && first !== undefined && ports.every((port) => port === first)
        ? first
        : undefined;
    };

    // Agreement: each sentinel knows the other two and the replica, a quorum is reachable, and
    // the replica's link is up (so what the primary acknowledges reaches it).
    await waitUntil(
      "the sentinels to agree on the primary, know each other and the replica, and the replica to sync",
      async () => {
        for (const sentinel of sentinels) {
          const fields = (await sentinel.call("SENTINEL", "MASTER", SENTINEL_MASTER_NAME)) as string[];
          const info = new Map<string, string>();
          for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i] ?? "", fields[i + 1] ?? "");
          if (info.get("num-other-sentinels") !== String(SENTINELS - 1)) return false;
          if (info.get("num-slaves") !== "1") return false;
          await sentinel.call("SENTINEL", "CKQUORUM", SENTINEL_MASTER_NAME);
        }
        const replication = await node(replicaPort).info("replication");
        return (await agreedPrimary()) === primaryPort && /master_link_status:up/.test(replication);
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 200 },
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${describeChildren()}`);
    });

    const agreedPrimaryOrFail = async (): Promise<number> => {
      const port = await agreedPrimary();
      if (port === undefined) {
        throw new Error(`the sentinels disagree on the primary: ${String(await masterAddresses())}`);
      }
      return port;
    };

    return {
      url: `redis+sentinel://${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(",")}/${SENTINEL_MASTER_NAME}`,
      sentinelPorts,
      primaryPort: agreedPrimaryOrFail,
      async killPrimary() {
        const port = await agreedPrimary();
        const victim = children.find((child) => child.port === port);
        if (port === undefined || !victim) throw new Error("no agreed primary to kill");
        const exited = once(victim.process, "exit");
        victim.process.kill("SIGKILL");
        await within(exited, `the primary on port ${port} to exit after SIGKILL`, 10_000);
        return port;
      },
      waitForFailover(oldPort, timeoutMs = START_TIMEOUT_MS) {
        return waitUntil(
          `the sentinels to promote a new primary instead of port ${oldPort}`,
          async () => {
            const port = await agreedPrimary();
            if (port === undefined || port === oldPort) return false;
            return /role:master/.test(await node(port).info("replication")) ? port : false;
          },
          { timeoutMs, intervalMs: 50 },
        );
      },
      async waitForReplicaInSync(timeoutMs = START_TIMEOUT_MS) {
        const primary = node(await agreedPrimaryOrFail());
        const target = Number(/master_repl_offset:(\d+)/.exec(await primary.info("replication"))?.[1] ?? NaN);
        await waitUntil(
          `the replica to reach replication offset ${target}`,
          async () => {
            // The primary lists each replica's acknowledged offset: slave0:ip=…,offset=N,lag=…
            const acknowledged = /slave0:[^\r\n]*offset=(\d+)/.exec(await primary.info("replication"))?.[1];
            return acknowledged !== undefined && Number(acknowledged) >= target;
          },
          { timeoutMs, intervalMs: 20 },
        );
      },
      node,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
