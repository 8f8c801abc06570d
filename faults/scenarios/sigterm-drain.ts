/**
 * 3. SIGTERM with a drain deadline shorter than the jobs: the worker exits 0 with its unfinished
 * jobs back in the queue, and the next worker completes them all. Recovery: from the signal to
 * the exit (the drain an orchestrator waits for).
 */
import { loadDocuments, tally, waitUntil, waitUntilAllFinal } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import { startWorker } from "./worker-under-test.js";

/**
 * Every tenth document is 6 MB, about 2 s of work here, far past the 200 ms deadline (a job that
 * is already writing its chunks when the deadline comes finishes: checkpoints are between steps).
 */
const DRAIN_ENV = { DRAIN_TIMEOUT_MS: "200", MAX_CHUNKS: "100000", MAX_EXTRACTED_CHARS: "100000000" };
const sizeOf = (index: number) => (index % 10 === 0 ? 6_000_000 : 20_000);

export const sigtermDrain: Scenario = {
  name: "3. SIGTERM, deadline shorter than jobs",
  async run({ scale, log }) {
    const env = await createScenarioEnvironment("sigterm");
    try {
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: sizeOf, seed: 3 });
      const first = await startWorker(env, DRAIN_ENV);
      // Signal just after a 6 MB document (not the first) starts, so the deadline cuts it short.
      const big = new Set(
        documents.filter((_, index) => sizeOf(index) > 20_000).map((document) => document.documentId),
      );
      const bigStarts = () =>
        first.process.logs.filter(
          (line) => line.message === "Worker job iniciado" && big.has(String(line["document_id"])),
        );
      await first.process.waitForLog(() => bigStarts().length >= 2, 120_000);
      const signalled = performance.now();
      const exitCode = await first.process.stop("SIGTERM");
      const drainSeconds = seconds(signalled);
      const handedBack = first.process.logs.filter(
        (line) => line.message === "drain deadline reached; handing the job back to the queue",
      );
      log(`  SIGTERM: exit ${exitCode}, ${handedBack.length} jobs handed back`);
      const handedBackIds = handedBack.map((line) => String(line["document_id"]));
      const started = performance.now();
      const next = await startWorker(env, DRAIN_ENV);
      await waitUntil(async () => {
        const result = await env.db.query(
          "SELECT 1 FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY'",
          [handedBackIds],
        );
        return result.rows.length === handedBackIds.length;
      }, 120_000);
      const handedBackReadySeconds = seconds(started);
      await waitUntilAllFinal(env, documents, 540_000);
      const checks = [
        { what: "first worker exited 0", ok: exitCode === 0 },
        { what: "running jobs were handed back", ok: handedBack.length > 0 },
        { what: "next worker drains and exits 0", ok: (await next.process.stop()) === 0 },
      ];
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds: drainSeconds,
        checks,
        notes: [
          `SIGTERM to exit: ${drainSeconds} s; the handed-back documents were READY ${handedBackReadySeconds} s after the next worker started (they wait behind the backlog)`,
        ],
      };
    } finally {
      await env.close();
    }
  },
};
