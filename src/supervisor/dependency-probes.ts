import type { Worker } from "bullmq";
import type { Piscina } from "piscina";
import type { Config } from "../config/config.js";
import type { Queryable } from "../db/queryable.js";
import type { Dependency } from "../errors/dependency-unavailable-error.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import { withTimeout } from "../ops/with-timeout.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import type { DependencyProbeResult, DependencyProbeTask } from "../protocol/thread-protocol.js";
import { DependencyCircuits } from "./dependency-circuits.js";
import type { Shutdown } from "./shutdown.js";

const DATABASE_PROBE_TIMEOUT_MS = 5_000;

/**
 * The supervisor's circuits with their probes: the database through the supervisor's own pool,
 * the storage (a bucket HEAD, or the root directory) and the embedding service (the probe text)
 * through a thread, whose clients and credentials they are: the supervisor holds neither. While any
 * is open the queue worker fetches nothing; it resumes when the last one closes, unless draining.
 */
export function createDependencyCircuits(
  config: Pick<Config, "dependencyProbeMinMs" | "dependencyProbeMaxMs">,
  sources: {
    readonly db: Queryable;
    readonly pool: Pick<Piscina, "run">;
    readonly shutdown: Pick<Shutdown, "stopping">;
    /** The queue worker, once created (the circuits exist before it: its processor reports to them). */
    readonly worker: () => Pick<Worker, "pause" | "resume"> | null;
  },
  logger: Logger,
): DependencyCircuits {
  const probeInThread = (dependency: DependencyProbeTask["dependency"]) => async (): Promise<void> => {
    const task: DependencyProbeTask = { type: "probe", dependency };
    const result = (await sources.pool.run(task)) as DependencyProbeResult;
    if (!result.ok) {
      throw new DependencyUnavailableError(
        dependency,
        dependency === "storage" ? "STORAGE_UNAVAILABLE" : "EMBEDDING_UNAVAILABLE",
        result.reason,
        { credentialsRejected: result.credentialsRejected },
      );
    }
  };
  const probes: Record<Dependency, () => Promise<void>> = {
    database: async () => {
      await withTimeout(sources.db.query("SELECT 1"), DATABASE_PROBE_TIMEOUT_MS);
    },
    storage: probeInThread("storage"),
    embedding: probeInThread("embedding"),
  };
  const fetching = (anyDown: boolean): void => {
    const worker = sources.worker();
    if (!worker) return;
    if (anyDown) {
      // Running jobs go on (each hands itself back if it meets the outage); no new ones are fetched.
      worker.pause(true).catch((error: unknown) => {
        logger.error({ err: describeError(error) }, "could not pause the queue worker");
      });
    } else if (!sources.shutdown.stopping) {
      worker.resume().catch((error: unknown) => {
        logger.error({ err: describeError(error) }, "could not resume the queue worker");
      });
    }
  };
  return new DependencyCircuits({
    probes,
    onChange: fetching,
    logger,
    minProbeMs: config.dependencyProbeMinMs,
    maxProbeMs: config.dependencyProbeMaxMs,
  });
}
