/**
 * 1. A thread dies mid-document, once by an uncaught error and once by a hard exit: the thread is
 * replaced, the job retried, the supervisor unaffected. Recovery: from the crash until the hit
 * documents are READY again.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDocuments, tally, waitUntil, waitUntilAllFinal } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import { metricValue, startWorker, THREADS } from "./worker-under-test.js";

export const threadCrash: Scenario = {
  name: "1. thread crash (uncaught error + exit)",
  async run({ scale, log }) {
    const env = await createScenarioEnvironment("thread-crash");
    const crashDir = await mkdtemp(join(tmpdir(), "ragworker-fault-crash-"));
    try {
      const { process: worker, port } = await startWorker(env, {}, { crashDir });
      const pid = worker.child.pid;
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: 20_000, seed: 1 });
      const crashLines = () =>
        worker.logs.filter(
          (line) =>
            line.message === "Worker job falló con excepción" &&
            String(line["error"]).startsWith("THREAD_CRASHED:"),
        );
      let recoveryStarted = 0;
      for (const mode of ["throw", "exit"]) {
        await waitUntil(async () => (await metricValue(port, "rag_worker_pool_busy_threads")) >= 1, 30_000);
        const before = crashLines().length;
        recoveryStarted ||= performance.now();
        await writeFile(join(crashDir, "crash"), mode);
        await worker.waitForLog(() => crashLines().length > before, 30_000);
        log(`  injected '${mode}' in a busy thread`);
      }
      const hitJobs = new Set(crashLines().map((line) => String(line["job_id"])));
      const hit = documents.filter((document) => hitJobs.has(document.jobId));
      await waitUntil(async () => {
        const result = await env.db.query(
          "SELECT 1 FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY'",
          [hit.map((document) => document.documentId)],
        );
        return result.rows.length === hit.length;
      }, 120_000);
      const recoverySeconds = seconds(recoveryStarted);
      await waitUntilAllFinal(env, documents, 300_000);
      const crashes = await metricValue(port, "rag_worker_thread_crashes_total");
      const threads = await metricValue(port, "rag_worker_pool_threads");
      const checks = [
        { what: "two jobs hit by a crash", ok: hit.length === 2 },
        { what: "rag_worker_thread_crashes_total = 2", ok: crashes === 2 },
        { what: `pool back to ${THREADS} threads`, ok: threads === THREADS },
        {
          what: "supervisor kept running (same pid)",
          ok: worker.child.exitCode === null && worker.child.pid === pid,
        },
      ];
      await worker.stop();
      return { name: this.name, tally: await tally(env, documents), recoverySeconds, checks, notes: [] };
    } finally {
      await env.close();
      await rm(crashDir, { recursive: true, force: true });
    }
  },
};
