import pg from "pg";
import type { Config } from "../config/config.js";
import { createRedis, probeRedisOptions } from "../config/redis-connection.js";
import { probeDatabase, probeRedis, type Readiness } from "./readiness.js";

const TIMEOUT_MS = 2_000;

/** Asks the running worker's own `/readyz`: what Docker's HEALTHCHECK runs inside the container. */
export async function askLocalReadiness(config: Pick<Config, "httpHost" | "httpPort">): Promise<{
  ok: boolean;
  body: unknown;
}> {
  // A server bound to every interface is reachable on loopback.
  const host = ["0.0.0.0", "::", ""].includes(config.httpHost) ? "127.0.0.1" : config.httpHost;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${config.httpPort}/readyz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body: unknown = await response.json().catch(() => ({ error: "readyz answered without JSON" }));
    return { ok: response.status === 200, body };
  } catch (error) {
    return {
      ok: false,
      body: {
        ok: false,
        error: `no answer from ${url}: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
}

/** Checks Redis and PostgreSQL from here, without a running worker (`ragworker health --direct`). */
export async function checkDependenciesDirectly(
  config: Pick<Config, "redisUrl" | "databaseUrl">,
): Promise<Readiness> {
  const redis = createRedis(config.redisUrl, probeRedisOptions(TIMEOUT_MS));
  redis.on("error", () => undefined); // the probe's result says it
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: TIMEOUT_MS });
  client.on("error", () => undefined); // the probe's result says it
  const [redisState, dbState] = await Promise.all([
    redis.connect().then(
      () => probeRedis(redis, TIMEOUT_MS),
      () => "disconnected" as const,
    ),
    client.connect().then(
      () => probeDatabase(client, TIMEOUT_MS),
      () => "disconnected" as const,
    ),
  ]);
  redis.disconnect();
  await client.end().catch(() => undefined); // a client that never connected has nothing to end
  const problems = [
    ...(redisState === "disconnected" ? ["redis"] : []),
    ...(dbState === "disconnected" ? ["db"] : []),
  ];
  return {
    ok: problems.length === 0,
    db: dbState,
    redis: redisState,
    ...(problems.length > 0 ? { reason: problems.join(", ") } : {}),
  };
}
