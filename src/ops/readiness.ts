import type { RedisClient } from "../config/redis-connection.js";
import type { Queryable } from "../db/queryable.js";
import { withTimeout } from "./with-timeout.js";

export type DependencyState = "connected" | "disconnected";

export interface Readiness {
  readonly ok: boolean;
  readonly db: DependencyState;
  readonly redis: DependencyState;
  readonly threads?: number;
  readonly draining?: boolean;
  /** The dependencies with a circuit (storage, embedding, database): which is down, since when, why. */
  readonly dependencies?: Readonly<Record<string, CircuitState>>;
  /** The failing parts, named, when not ok. */
  readonly reason?: string;
}

/** One circuit as /readyz shows it (snake_case, like the rest of the body). */
export interface CircuitState {
  readonly up: boolean;
  readonly down_since?: string;
  readonly reason?: string;
  readonly credentials_rejected?: boolean;
}

/** One dependency's circuit as the supervisor keeps it (DependencyCircuits.status). */
export interface CircuitStatus {
  readonly up: boolean;
  /** When it went down (ISO 8601); null while up. */
  readonly downSince: string | null;
  /** The last failure seen (the job's, then each probe's); null while up. */
  readonly reason: string | null;
  /** The dependency refuses the deployment's credentials: an operator must act. */
  readonly credentialsRejected: boolean;
}

const CHECK_TIMEOUT_MS = 1_000;

export async function probeRedis(
  redis: Pick<RedisClient, "ping" | "status">,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<DependencyState> {
  // A connection that is not up would queue the PING until it reconnects: every probe during a
  // long outage would pile one more command into the offline queue.
  if (redis.status !== "ready") return "disconnected";
  try {
    await withTimeout(redis.ping(), timeoutMs);
    return "connected";
  } catch {
    return "disconnected";
  }
}

export async function probeDatabase(db: Queryable, timeoutMs = CHECK_TIMEOUT_MS): Promise<DependencyState> {
  try {
    await withTimeout(db.query("SELECT 1"), timeoutMs);
    return "connected";
  } catch {
    return "disconnected";
  }
}

export interface ReadinessSources {
  readonly redis: Pick<RedisClient, "ping" | "status">;
  readonly db: Queryable;
  readonly liveThreads: () => number;
  readonly draining: () => boolean;
  /** The circuits' states; absent where the supervisor runs none (tests of the server alone). */
  readonly dependencies?: () => Readonly<Record<string, CircuitStatus>>;
}

/** Ready means: not draining, Redis and PostgreSQL answer, and at least one thread lives. */
export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const [redis, db] = await Promise.all([probeRedis(sources.redis), probeDatabase(sources.db)]);
  const threads = sources.liveThreads();
  const draining = sources.draining();
  const circuits = Object.entries(sources.dependencies?.() ?? {});
  const problems = [
    ...(draining ? ["draining"] : []),
    ...(redis === "disconnected" ? ["redis"] : []),
    ...(db === "disconnected" ? ["db"] : []),
    ...(threads === 0 ? ["no live thread"] : []),
    ...circuits.flatMap(([name, status]) =>
      status.up
        ? []
        : [
            `${name} ${status.credentialsRejected ? "refuses the credentials" : "down"} since ${status.downSince ?? "?"}`,
          ],
    ),
  ];
  return {
    ok: problems.length === 0,
    db,
    redis,
    threads,
    draining,
    ...(circuits.length > 0
      ? { dependencies: Object.fromEntries(circuits.map(([name, status]) => [name, circuitState(status)])) }
      : {}),
    ...(problems.length > 0 ? { reason: problems.join(", ") } : {}),
  };
}

function circuitState(status: CircuitStatus): CircuitState {
  if (status.up) return { up: true };
  return {
    up: false,
    ...(status.downSince ? { down_since: status.downSince } : {}),
    ...(status.reason ? { reason: status.reason } : {}),
    credentials_rejected: status.credentialsRejected,
  };
}
