import type { Piscina } from "piscina";
import type { AdminSources, ReconcilerView, ThreadsView } from "../ops/admin/admin-sources.js";
import type { DocumentQueue } from "../producer/enqueue-document.js";
import type { JobsInFlight } from "./jobs-in-flight.js";
import type { Reconciler } from "./reconciler.js";
import type { ThreadSlots } from "./thread-slots.js";

/**
 * The supervisor's live state as the operator web view reads it (AdminSources, types ops owns):
 * read-only, computed on each request from what the supervisor keeps anyway — the jobs in flight
 * (stages as the threads report them), the pool's threads, the jobs waiting for one, and the
 * reconciler's last pass. The slots and the reconciler start after the ops server, hence getters.
 */
export interface AdminSourceParts {
  readonly queue: DocumentQueue;
  readonly pool: Pick<Piscina, "threads">;
  readonly size: number;
  readonly inFlight: Pick<JobsInFlight, "views">;
  readonly slots: () => Pick<ThreadSlots, "waitingJobs"> | null;
  readonly reconciler: () => Reconciler | null;
  readonly reconcileIntervalMs: number;
}

export function adminSources(sources: AdminSourceParts): AdminSources {
  return {
    queue: sources.queue,
    threads: (): ThreadsView => ({
      threadIds: sources.pool.threads.map((thread) => thread.threadId),
      size: sources.size,
      running: sources.inFlight.views(),
      waitingForThread: sources.slots()?.waitingJobs ?? 0,
    }),
    reconciler: () => reconcilerView(sources.reconciler(), sources.reconcileIntervalMs),
  };
}

function reconcilerView(reconciler: Reconciler | null, intervalMs: number): ReconcilerView {
  if (intervalMs === 0) return { state: "off", intervalMs, lastPass: null };
  const pass = reconciler?.lastPass ?? null;
  return {
    state: reconciler?.leading ? "leading" : "following",
    intervalMs,
    lastPass:
      pass === null
        ? null
        : {
            at: pass.at.getTime(),
            pendingWithoutJob: pass.result.candidates.pending_without_job,
            processingClaimExpired: pass.result.candidates.processing_claim_expired,
            withLiveJob: pass.result.live,
            takenByAnotherReplica: pass.result.taken,
            enqueued:
              pass.result.enqueued.pending_without_job + pass.result.enqueued.processing_claim_expired,
            enqueueFailures: pass.result.enqueueFailures,
          },
  };
}
