/**
 * The fault suite's own Redis and PostgreSQL: project-owned instances started by
 * scripts/services.sh on ports nobody else uses, so stopping Redis or restarting PostgreSQL
 * disturbs no other test run. Redis keeps an append-only file, as a production Redis would, so a
 * stop and start keeps the queue.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createRedis } from "../src/config/redis-connection.js";

const run = promisify(execFile);
const SERVICES_SCRIPT = fileURLToPath(new URL("../scripts/services.sh", import.meta.url));

export interface FaultServices {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  restartPostgres(): Promise<void>;
  /** PostgreSQL stopped (fast shutdown: every connection cut, new ones refused) and started again. */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /**
   * Redis restarted without persistence: FLUSHALL (written to the append-only file, so the
   * restart replays to an empty dataset), then stop and start. Every queue is gone.
   */
  restartRedisEmpty(): Promise<void>;
}

export async function startFaultServices(redisPort: number, postgresPort: number): Promise<FaultServices> {
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const databaseUrl = `postgres://ragworker:ragworker@127.0.0.1:${postgresPort}/ragworker`;
  const services = async (command: string) => {
    await run("bash", [SERVICES_SCRIPT, command], {
      env: { ...process.env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, REDIS_APPENDONLY: "yes" },
    });
  };
  await services("up");
  return {
    redisUrl,
    databaseUrl,
    stopRedis: () => services("stop-redis"),
    startRedis: () => services("start-redis"),
    restartPostgres: () => services("restart-postgres"),
    stopPostgres: () => services("stop-postgres"),
    startPostgres: () => services("start-postgres"),
    async restartRedisEmpty() {
      const redis = createRedis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        await redis.flushall();
      } finally {
        redis.disconnect();
      }
      await services("stop-redis");
      await services("start-redis");
    },
  };
}
