/**
 * rag_worker_queue_jobs{state="waiting"} counts fair jobs too: with QUEUE_FAIRNESS on every job
 * has a BullMQ priority and sits in the prioritized set, not the wait list, and a gauge that read
 * only the list would tell an autoscaler the queue is empty while thousands wait.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { FAIRNESS_DEFAULTS } from "../../src/config/fairness-settings.js";
import { WorkerMetrics } from "../../src/ops/worker-metrics.js";
import { DocumentProducer } from "../../src/producer/enqueue-document.js";
import { after, describe, it } from "../support/bounded-test.js";
import { parseMetrics, single } from "../support/metrics-samples.js";
import { redisUrl, uniqueQueueName } from "../support/services.js";

const SCRIPTED_THREAD = fileURLToPath(new URL("../support/scripted-thread.mjs", import.meta.url));

describe("queue depth with fairness", () => {
  const queueName = uniqueQueueName("fair-depth");
  const fair = new DocumentProducer(redisUrl(), queueName, { fairness: FAIRNESS_DEFAULTS });
  const fifo = new DocumentProducer(redisUrl(), queueName, {
    fairness: { ...FAIRNESS_DEFAULTS, enabled: false },
  });
  const pool = new Piscina({ filename: SCRIPTED_THREAD, minThreads: 0, maxThreads: 1 });
  after(async () => {
    await fair.queue.obliterate({ force: true });
    await fair.close();
    await fifo.close();
    await pool.destroy();
  });

  it("counts prioritized and plain waiting jobs as waiting", async () => {
    for (let i = 0; i < 4; i += 1) await fair.enqueue({ documentId: randomUUID(), workspaceId: "A" });
    await fifo.enqueue({ documentId: randomUUID(), workspaceId: "B" });
    assert.equal(await fair.queue.getPrioritizedCount(), 4);
    const metrics = new WorkerMetrics({ pool, queue: fair.queue, redisReady: () => true });
    const samples = parseMetrics(await metrics.registry.metrics());
    assert.equal(single(samples, "rag_worker_queue_jobs", { state: "waiting" }), 5);
  });
});
