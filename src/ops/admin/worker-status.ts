import type { AdminSources, ReconcilerView, ThreadsView } from "./admin-sources.js";
import { recentFailures, type FailureView } from "./failed-jobs.js";
import type { RetriedJobView, RetriedJobs } from "./retried-jobs.js";

/** Everything the worker page shows, as its JSON endpoint serves it. */
export interface WorkerStatus {
  /** Epoch milliseconds when it was read: elapsed times are counted to it. */
  readonly now: number;
  readonly queue: string;
  readonly threads: ThreadsView;
  /** null when Redis did not answer in time; failuresError says why. */
  readonly failures: readonly FailureView[] | null;
  /** The jobs this replica's page retried lately, as they are now; null with the failures. */
  readonly retried: readonly RetriedJobView[] | null;
  readonly failuresError: string | null;
  readonly reconciler: ReconcilerView;
}

export async function readWorkerStatus(sources: AdminSources, retried: RetriedJobs): Promise<WorkerStatus> {
  const now = Date.now();
  const threads = sources.threads();
  const reconciler = sources.reconciler();
  // The threads and the reconciler are in memory; only the failures need Redis, and the page
  // still shows the rest when Redis is away.
  const failures = await Promise.all([recentFailures(sources.queue), retried.views(sources.queue)]).then(
    ([list, retriedList]) => ({ list, retriedList, error: null }),
    (error: unknown) => ({
      list: null,
      retriedList: null,
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  return {
    now,
    queue: sources.queue.name,
    threads,
    failures: failures.list,
    retried: failures.retriedList,
    failuresError: failures.error,
    reconciler,
  };
}
