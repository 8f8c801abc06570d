/**
 * 7. A soak of 10,000 small documents: the supervisor's memory after the run is within 10% of its
 * memory after the first 1,000. "Memory" is the supervisor thread's V8 heap in use right after a
 * full collection (test/support/gc-on-signal.mjs), so garbage waiting for the next collection does
 * not count; the process RSS (threads included) is reported beside it.
 */
import { loadDocuments, tally, waitUntil, waitUntilAllFinal, countFinal } from "../fault-load.js";
import { createScenarioEnvironment, type Scenario } from "../scenario.js";
import type { WorkerProcess } from "../../test/support/worker-process.js";
import { metricValue, startWorker } from "./worker-under-test.js";

const MEGABYTE = 1024 * 1024;

async function settledMemory(worker: WorkerProcess, port: number): Promise<{ heap: number; rss: number }> {
  let heap = Infinity;
  let rss = Infinity;
  for (let i = 0; i < 3; i += 1) {
    worker.child.kill("SIGUSR2");
    await new Promise((resolve) => setTimeout(resolve, 300));
    heap = Math.min(heap, await metricValue(port, "nodejs_heap_size_used_bytes"));
    rss = Math.min(rss, await metricValue(port, "process_resident_memory_bytes"));
  }
  return { heap, rss };
}

export const soak: Scenario = {
  name: "7. soak, 10,000 small documents",
  async run({ scale, log }) {
    const env = await createScenarioEnvironment("soak");
    try {
      const count = Math.ceil(10_000 * scale);
      const checkpoint = Math.ceil(count / 10);
      const documents = await loadDocuments(env, { count, bytes: 2_000, seed: 7 });
      const { process: worker, port } = await startWorker(env, {}, { gcOnSignal: true });
      const started = performance.now();
      await waitUntil(async () => (await countFinal(env, documents)) >= checkpoint, 600_000);
      const early = await settledMemory(worker, port);
      const trend = [`${checkpoint}: ${(early.heap / MEGABYTE).toFixed(1)}`];
      for (let next = checkpoint * 3; next < count; next += checkpoint * 2) {
        await waitUntil(async () => (await countFinal(env, documents)) >= next, 600_000);
        trend.push(`${next}: ${((await settledMemory(worker, port)).heap / MEGABYTE).toFixed(1)}`);
      }
      await waitUntilAllFinal(env, documents, 1_200_000);
      const late = await settledMemory(worker, port);
      const elapsed = (performance.now() - started) / 1000;
      const growth = late.heap / early.heap - 1;
      log(`  ${count} documents in ${elapsed.toFixed(1)} s (${(count / elapsed).toFixed(0)} documents/s)`);
      const checks = [
        { what: `supervisor heap within 10% (${(growth * 100).toFixed(1)}%)`, ok: growth <= 0.1 },
        { what: "supervisor kept running", ok: worker.child.exitCode === null },
      ];
      await worker.stop();
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds: null,
        checks,
        notes: [
          `supervisor heap after ${checkpoint}: ${(early.heap / MEGABYTE).toFixed(1)} MB, after ${count}: ${(late.heap / MEGABYTE).toFixed(1)} MB (${(growth * 100).toFixed(1)}%)`,
          `process RSS (threads included) after ${checkpoint}: ${(early.rss / MEGABYTE).toFixed(0)} MB, after ${count}: ${(late.rss / MEGABYTE).toFixed(0)} MB`,
          `supervisor heap MB by documents done: ${trend.join(", ")}`,
          `${(count / elapsed).toFixed(0)} documents/s`,
        ],
      };
    } finally {
      await env.close();
    }
  },
};
