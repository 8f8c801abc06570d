/**
 * 10. The API cancels documents mid-load: half of them while they are running (rag-corp's cancel,
 * PROCESSING → FAILED with its reason), half while they wait (a soft delete). Each cancelled job
 * ends CANCELLED without a retry, its document gets no chunks and keeps what the cancel wrote;
 * every other document is READY exactly once. Recovery does not apply; the cancel latency (from
 * the cancel's commit to its job's end) is the figure.
 */
import { scrapeMetric } from "../../test/support/metrics-samples.js";
import type { TestEnvironment } from "../../test/support/test-environment.js";
import { loadDocuments, tally, waitUntil, type LoadedDocument, type Tally } from "../fault-load.js";
import { createScenarioEnvironment, type Scenario } from "../scenario.js";
import { startWorker } from "./worker-under-test.js";

export const CANCEL_REASON = "Processing cancelled manually (by user: fault-suite)";

export interface CancelLoadResult {
  readonly tally: Tally;
  readonly checks: ReadonlyArray<{ readonly what: string; readonly ok: boolean }>;
  readonly notes: readonly string[];
}

interface Cancel {
  readonly document: LoadedDocument;
  readonly at: number;
}

/** Cancels PROCESSING documents as they appear, the way rag-corp's API does, until `wanted`. */
async function cancelRunning(env: TestEnvironment, documents: readonly LoadedDocument[], wanted: number) {
  const byId = new Map(documents.map((document) => [document.documentId, document]));
  const cancels: Cancel[] = [];
  await waitUntil(async () => {
    const running = await env.db.query<{ id: string }>(
      "SELECT id FROM documents WHERE id = ANY($1::uuid[]) AND status = 'PROCESSING'",
      [documents.map((document) => document.documentId)],
    );
    for (const { id } of running.rows) {
      if (cancels.length >= wanted || cancels.some((cancel) => cancel.document.documentId === id)) continue;
      const cancelled = await env.db.query(
        "UPDATE documents SET status = 'FAILED', error_message = $2 WHERE id = $1 AND status = 'PROCESSING'",
        [id, CANCEL_REASON],
      );
      const document = byId.get(id);
      if (cancelled.rowCount === 1 && document) cancels.push({ document, at: Date.now() });
    }
    if (cancels.length >= wanted) return true;
    // Nothing left that could still run: waiting longer would find no more to cancel.
    const open = await env.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM documents
        WHERE id = ANY($1::uuid[]) AND status IN ('PENDING', 'PROCESSING') AND deleted_at IS NULL`,
      [documents.map((document) => document.documentId)],
    );
    return open.rows[0]?.n === 0;
  }, 120_000);
  return cancels;
}

/** Soft-deletes `wanted` documents still waiting for a thread (the API's delete). */
async function deleteWaiting(env: TestEnvironment, documents: readonly LoadedDocument[], wanted: number) {
  const deleted = await env.db.query<{ id: string }>(
    `UPDATE documents SET deleted_at = now()
      WHERE id IN (SELECT id FROM documents
                    WHERE id = ANY($1::uuid[]) AND status = 'PENDING' AND deleted_at IS NULL
                    ORDER BY created_at DESC LIMIT $2)
      RETURNING id`,
    [documents.map((document) => document.documentId), wanted],
  );
  const ids = new Set(deleted.rows.map((row) => row.id));
  return documents.filter((document) => ids.has(document.documentId));
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

/**
 * The scenario's body, shared with its short version in `npm test`: loads `count` documents on a
 * running worker (its ops port given), cancels `cancels` of them, and checks how each ended.
 */
export async function cancelMidLoad(
  env: TestEnvironment,
  port: number,
  options: { count: number; cancels: number; bytes: number; seed: number },
): Promise<CancelLoadResult> {
  const documents = await loadDocuments(env, {
    count: options.count,
    bytes: options.bytes,
    seed: options.seed,
  });
  // The waiting ones first, while the load's newest surely still wait: a fast worker could take them
  // all while cancelRunning looks for running ones (seen in a full CI run: 0 left to delete).
  const waiting = await deleteWaiting(env, documents, Math.floor(options.cancels / 2));
  const running = await cancelRunning(env, documents, Math.ceil(options.cancels / 2));
  const cancelledIds = new Set([
    ...running.map((c) => c.document.documentId),
    ...waiting.map((d) => d.documentId),
  ]);
  const cancelledJobs = [...running.map((cancel) => cancel.document), ...waiting];
  const others = documents.filter((document) => !cancelledIds.has(document.documentId));

  const jobsEnded = await waitUntil(async () => {
    const states = await Promise.all(cancelledJobs.map((d) => env.producer.queue.getJobState(d.jobId)));
    return states.every((state) => state === "completed" || state === "failed");
  }, 300_000);
  const othersFinal = await waitUntil(async () => {
    const result = await env.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM documents WHERE id = ANY($1::uuid[]) AND status IN ('READY', 'FAILED')",
      [others.map((document) => document.documentId)],
    );
    return result.rows[0]?.n === others.length;
  }, 300_000);

  const jobs = await Promise.all(cancelledJobs.map((d) => env.producer.queue.getJob(d.jobId)));
  const endedCancelled = jobs.filter(
    (job) => (job?.returnvalue as { status?: string } | undefined)?.status === "CANCELLED",
  ).length;
  const retried = jobs.filter((job) => (job?.attemptsMade ?? 0) > 1).length;
  const latencies = running.flatMap((cancel, i) => {
    const finishedOn = jobs[i]?.finishedOn;
    return finishedOn === undefined ? [] : [finishedOn - cancel.at];
  });
  const rows = await env.db.query<{
    status: string;
    error_message: string | null;
    deleted: boolean;
    chunks: number;
  }>(
    `SELECT d.status, d.error_message, d.deleted_at IS NOT NULL AS deleted,
            (SELECT count(*)::int FROM chunks c WHERE c.document_id = d.id) AS chunks
       FROM documents d WHERE d.id = ANY($1::uuid[])`,
    [[...cancelledIds]],
  );
  const runningIds = new Set(running.map((cancel) => cancel.document.documentId));
  const rowsAsCancelled = rows.rows.every((row) =>
    row.deleted ? row.status === "PENDING" : row.status === "FAILED" && row.error_message === CANCEL_REASON,
  );
  const cancelledCount = await scrapeMetric(port, "rag_worker_processed_total", { status: "CANCELLED" });

  return {
    // The documents the API deleted are not the worker's to finish: the tally counts the rest.
    tally: await tally(
      env,
      documents.filter((document) => !waiting.includes(document)),
    ),
    checks: [
      {
        what: `${running.length} running and ${waiting.length} waiting documents cancelled`,
        ok: running.length > 0 && waiting.length > 0,
      },
      {
        what: "every cancelled job ended, as CANCELLED",
        ok: jobsEnded && endedCancelled === cancelledJobs.length,
      },
      { what: "no cancelled job retried", ok: retried === 0 },
      { what: "no chunks for a cancelled document", ok: rows.rows.every((row) => row.chunks === 0) },
      {
        what: "cancelled rows as the cancel left them",
        ok: rows.rows.length === cancelledIds.size && rowsAsCancelled,
      },
      { what: "every other document READY", ok: othersFinal },
      {
        what: `rag_worker_processed_total{status="CANCELLED"} = ${cancelledJobs.length}`,
        ok: cancelledCount === cancelledJobs.length,
      },
    ],
    notes: [
      `cancel latency (commit → job end) over ${latencies.length} running documents: p50 ${percentile(latencies, 0.5)} ms, max ${Math.max(0, ...latencies)} ms`,
      `${runningIds.size} cancelled while PROCESSING (counted FAILED with the cancel's reason), ${waiting.length} soft-deleted while waiting (left out of the tally)`,
    ],
  };
}

export const cancelMidLoadScenario: Scenario = {
  name: "10. cancel 50 documents mid-load",
  async run({ scale }) {
    const env = await createScenarioEnvironment("cancel");
    try {
      const { process, port } = await startWorker(env);
      const result = await cancelMidLoad(env, port, {
        count: Math.ceil(300 * scale),
        cancels: Math.ceil(50 * scale),
        bytes: 100_000,
        seed: 10,
      });
      await process.stop();
      return { name: this.name, recoverySeconds: null, ...result };
    } finally {
      await env.close();
    }
  },
};
