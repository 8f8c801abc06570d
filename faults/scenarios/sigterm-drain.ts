/**
 * 3. SIGTERM with a drain deadline shorter than the jobs: the worker exits 0 with its unfinished
 * jobs back in the queue, and the next worker completes them all. Recovery: from the next
 * worker's start until the handed-back documents are READY.
 */
import { loadDocuments, tally, waitUntil, waitUntilAllFinal } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import { startWorker } from "./worker-under-test.js";

/** Every fifth document is 2 MB, which takes longer than the 200 ms deadline on this pipeline. */
const DRAIN_ENV = { DRAIN_TIMEOUT_MS: "200", MAX_CHUNKS: "100000" };
const sizeOf = (index: number) => (index % 5 === 0 ? 2_000_000 : 20_000);

export const sigtermDrain: Scenario = {
  name: "3. SIGTERM, deadline shorter than jobs",
  async run({ scale, log }) {
    const env = await createScenarioEnvironment("sigterm");
    try {
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: sizeOf, seed: 3 });
      const first = await startWorker(env, DRAIN_ENV);
      // Signal while a 2 MB document is being processed, so the deadline really cuts a job short.
      const big = documents
        .filter((_, index) => sizeOf(index) > 20_000)
        .map((document) => document.documentId);
      await waitUntil(async () => {
        const result = await env.db.query(
          `SELECT count(*) FILTER (WHERE status = 'READY') AS ready,
                  count(*) FILTER (WHERE status = 'PROCESSING' AND id = ANY($1::uuid[])) AS big_running
             FROM documents`,
          [big],
        );
        return Number(result.rows[0]?.ready) >= 10 && Number(result.rows[0]?.big_running) >= 1;
      }, 120_000);
      const exitCode = await first.process.stop("SIGTERM");
      const handedBack = first.process.logs.filter(
        (line) => line.msg === "drain deadline reached; handing the job back to the queue",
      );
      log(`  SIGTERM: exit ${exitCode}, ${handedBack.length} jobs handed back`);
      const handedBackIds = handedBack.map((line) => String(line["documentId"]));
      const started = performance.now();
      const next = await startWorker(env, DRAIN_ENV);
      await waitUntil(async () => {
        const result = await env.db.query(
          "SELECT 1 FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY'",
          [handedBackIds],
        );
        return result.rows.length === handedBackIds.length;
      }, 120_000);
      const recoverySeconds = seconds(started);
      await waitUntilAllFinal(env, documents, 540_000);
      const checks = [
        { what: "first worker exited 0", ok: exitCode === 0 },
        { what: "running jobs were handed back", ok: handedBack.length > 0 },
        { what: "next worker drains and exits 0", ok: (await next.process.stop()) === 0 },
      ];
      return { name: this.name, tally: await tally(env, documents), recoverySeconds, checks, notes: [] };
    } finally {
      await env.close();
    }
  },
};
