/**
 * 6. Three worker processes on the same queue: each document processed to READY exactly once,
 * chunk counts exact, the work shared. No fault, so no recovery time.
 */
import { loadDocuments, tally, waitUntilAllFinal } from "../fault-load.js";
import { createScenarioEnvironment, type Scenario } from "../scenario.js";
import { startWorker } from "./worker-under-test.js";

export const threeWorkers: Scenario = {
  name: "6. three workers, one queue",
  async run({ scale }) {
    const env = await createScenarioEnvironment("three-workers");
    try {
      const workers = await Promise.all([startWorker(env), startWorker(env), startWorker(env)]);
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: 20_000, seed: 6 });
      await waitUntilAllFinal(env, documents, 300_000);
      const readyLines = workers.flatMap(({ process }) =>
        process.logs.filter((line) => line.message === "document READY"),
      );
      const perWorker = workers.map(
        ({ process }) => process.logs.filter((line) => line.message === "document READY").length,
      );
      const exits = await Promise.all(workers.map(({ process }) => process.stop()));
      const checks = [
        { what: "each document processed once", ok: readyLines.length === documents.length },
        { what: "every worker took a share", ok: perWorker.every((count) => count > 0) },
        { what: "all three drain and exit 0", ok: exits.every((code) => code === 0) },
      ];
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds: null,
        checks,
        notes: [`documents per worker: ${perWorker.join(" / ")}`],
      };
    } finally {
      await env.close();
    }
  },
};
