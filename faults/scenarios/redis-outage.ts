/**
 * 4. Redis stopped for 10 s mid-load, then started again (its append-only file keeps the queue):
 * `/readyz` answers 503 meanwhile, the worker reconnects by itself, nothing is lost. Recovery:
 * from Redis being back until a document enqueued then is READY (fetching and completing work).
 */
import { loadDocuments, tally, waitUntil, waitUntilAllFinal, waitUntilQuarterReady } from "../fault-load.js";
import { createScenarioEnvironment, seconds, type Scenario } from "../scenario.js";
import { readyzStatus, startWorker } from "./worker-under-test.js";

const OUTAGE_MS = 10_000;

export const redisOutage: Scenario = {
  name: "4. Redis stopped 10 s mid-load",
  async run({ services, scale, log }) {
    const env = await createScenarioEnvironment("redis-outage");
    try {
      const documents = await loadDocuments(env, { count: Math.ceil(300 * scale), bytes: 20_000, seed: 4 });
      const { process: worker, port } = await startWorker(env);
      const pid = worker.child.pid;
      await waitUntilQuarterReady(env, documents);
      await services.stopRedis();
      const stoppedAt = performance.now();
      const sawNotReady = await waitUntil(async () => (await readyzStatus(port)) === 503, OUTAGE_MS);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, OUTAGE_MS - (performance.now() - stoppedAt))),
      );
      const readyzDuringOutage = await readyzStatus(port);
      await services.startRedis();
      const started = performance.now();
      log(`  Redis down for ${seconds(stoppedAt)} s; /readyz ${readyzDuringOutage} at the end of it`);
      // The producer fails fast while its connection is down (as an API should); wait for it.
      await waitUntil(async () => (await env.producer.queue.count()) >= 0, 30_000);
      const probe = await loadDocuments(env, { count: 1, bytes: 2_000, seed: 40_000 });
      await waitUntilAllFinal(env, probe, 120_000);
      const recoverySeconds = seconds(started);
      const readyzAfter = await readyzStatus(port);
      documents.push(...probe);
      await waitUntilAllFinal(env, documents, 300_000);
      const checks = [
        { what: "/readyz 503 while Redis was down", ok: sawNotReady && readyzDuringOutage === 503 },
        { what: "/readyz 200 again after the restart", ok: readyzAfter === 200 },
        { what: "a document enqueued after the restart is READY", ok: recoverySeconds < 120 },
        {
          what: "supervisor kept running (same pid)",
          ok: worker.child.exitCode === null && worker.child.pid === pid,
        },
      ];
      const reconnectLogs = worker.logs.filter((line) => /redis/i.test(String(line.message))).length;
      await worker.stop();
      return {
        name: this.name,
        tally: await tally(env, documents),
        recoverySeconds,
        checks,
        notes: [`${reconnectLogs} log lines about Redis during the outage`],
      };
    } finally {
      await env.close();
    }
  },
};
