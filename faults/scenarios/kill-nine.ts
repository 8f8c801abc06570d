/**
 * 2. `kill -9` of the whole worker mid-load, then a fresh start: the killed worker's jobs come
 * back after one lock period and reclaim their documents. Recovery: from the fresh start until
 * every document that was PROCESSING at the kill is READY.
 */
import { loadDocuments, tally, waitUntil, waitUntilAllFinal } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import { startWorker } from "./worker-under-test.js";

export const killNine: Scenario = {
  name: "2. kill -9 mid-load, fresh start",
  async run({ scale, log }) {
    const env = await createScenarioEnvironment("kill-nine");
    try {
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: 20_000, seed: 2 });
      const victim = await startWorker(env);
      const final = async () =>
        Number(
          (await env.db.query("SELECT count(*) AS n FROM documents WHERE status IN ('READY','FAILED')"))
            .rows[0]?.n,
        );
      await waitUntil(async () => (await final()) >= documents.length / 3, 120_000);
      victim.process.child.kill("SIGKILL");
      await victim.process.exited();
      const orphaned = (
        await env.db.query<{ id: string }>("SELECT id FROM documents WHERE status = 'PROCESSING'")
      ).rows.map((row) => row.id);
      log(`  killed with ${orphaned.length} documents PROCESSING`);
      const started = performance.now();
      const survivor = await startWorker(env);
      await waitUntil(async () => {
        const result = await env.db.query(
          "SELECT 1 FROM documents WHERE id = ANY($1::uuid[]) AND status = 'READY'",
          [orphaned],
        );
        return result.rows.length === orphaned.length;
      }, 120_000);
      const recoverySeconds = seconds(started);
      await waitUntilAllFinal(env, documents, 300_000);
      const checks = [
        { what: "the kill left documents PROCESSING", ok: orphaned.length > 0 },
        { what: "the fresh worker drains and exits 0", ok: (await survivor.process.stop()) === 0 },
      ];
      return { name: this.name, tally: await tally(env, documents), recoverySeconds, checks, notes: [] };
    } finally {
      await env.close();
    }
  },
};
