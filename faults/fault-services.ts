/**
 * The fault suite's own Redis and PostgreSQL: project-owned instances started by
 * scripts/services.sh on ports nobody else uses, so stopping Redis or restarting PostgreSQL
 * disturbs no other test run. Redis keeps an append-only file, as a production Redis would, so a
 * stop and start keeps the queue.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const SERVICES_SCRIPT = fileURLToPath(new URL("../scripts/services.sh", import.meta.url));

export interface FaultServices {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  restartPostgres(): Promise<void>;
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
  };
}
