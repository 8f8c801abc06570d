import { milliseconds } from "./readers.js";
import { setting } from "./setting.js";

/**
 * The dependency circuits: while storage, the embedding service or the database is down, the
 * worker fetches no jobs and probes it, at most this often, instead of failing documents.
 */
export const DEPENDENCY_SETTINGS = {
  dependencyProbeMinMs: setting("DEPENDENCY_PROBE_MIN_MS", milliseconds(100, 600_000), {
    default: "1000",
    describe:
      "first probe of a dependency found down (storage, embedding service, database), and how long a job handed back for it waits in the queue; doubled after each failed probe",
  }),
  dependencyProbeMaxMs: setting("DEPENDENCY_PROBE_MAX_MS", milliseconds(100, 3_600_000), {
    default: "30000",
    describe:
      "longest wait between two probes of a dependency that stays down (each wait is jittered between half and all of its step): bounds both the time to notice a recovery and the load a thousand replicas put on a recovering service",
  }),
};
