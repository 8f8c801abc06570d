/**
 * A Redis Cluster of the test's own, from Debian's redis-server and redis-cli: three masters and
 * no replicas on free loopback ports (`--cluster-enabled yes`, then `redis-cli --cluster create …
 * --cluster-replicas 0 --cluster-yes`), each node's files (nodes.conf) in one temporary directory,
 * nothing persisted. `start` returns once every node reports `cluster_state:ok` with all 16384
 * slots assigned; `stop` kills every node and removes the directory.
 */
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { findRedisBinary, freePort } from "./private-redis.js";
import { redisProcesses, redisServerArgs } from "./redis-processes.js";
import { waitUntil, within } from "./waits.js";

const MASTERS = 3;
const START_TIMEOUT_MS = 30_000;
const CREATE_TIMEOUT_MS = 30_000;

export interface RedisCluster {
  /** REDIS_URL for the cluster: `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  readonly url: string;
  readonly ports: readonly number[];
  /** A plain connection to one node (admin commands: INFO, CLUSTER, DBSIZE). */
  node(port: number): Redis;
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const redisServer = findRedisBinary("redis-server", "apt-get install redis-server");
  const redisCli = findRedisBinary("redis-cli", "apt-get install redis-tools");
  const dir = await mkdtemp(join(tmpdir(), "ragworker-cluster-"));
  const processes = redisProcesses(dir);
  const { launch, stop } = processes;
  const node = processes.admin;

  try {
    const ports: number[] = [];
    for (let i = 0; i < MASTERS; i += 1) ports.push(await freePort());
    for (const port of ports) {
      launch(
        redisServer,
        redisServerArgs(port, dir, [
          "--cluster-enabled",
          "yes",
          // Each node writes its view of the cluster here; one file per node in the shared dir.
          "--cluster-config-file",
          `nodes-${port}.conf`,
          "--cluster-node-timeout",
          "2000",
        ]),
        port,
      );
    }
    const admins = ports.map(node);
    await waitUntil(
      "the cluster nodes to answer PING",
      async () => {
        for (const admin of admins) {
          if ((await admin.ping().catch(() => "")) !== "PONG") return false;
        }
        return true;
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 25 },
    );

    const create = launch(
      redisCli,
      [
        "--cluster",
        "create",
        ...ports.map((port) => `127.0.0.1:${port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      0, // not a server: no port of its own
    );
    const [code] = (await within(
      once(create.process, "exit"),
      "redis-cli --cluster create to finish",
      CREATE_TIMEOUT_MS,
    )) as [number | null];
    if (code !== 0) throw new Error(`redis-cli --cluster create exited with ${String(code)}`);

    // Every node must agree before the client asks CLUSTER SLOTS, or it may learn a partial map.
    await waitUntil(
      "every cluster node to report cluster_state:ok with 16384 slots assigned",
      async () => {
        for (const admin of admins) {
          const info = await admin.cluster("INFO");
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_assigned:16384/.test(info)) return false;
          if (!new RegExp(`cluster_known_nodes:${MASTERS}\\b`).test(info)) return false;
        }
        return true;
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 50 },
    );
    return {
      url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(",")}`,
      ports,
      node,
      stop,
    };
  } catch (error) {
    const output = processes.describe();
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`);
  }
}
