/**
 * Fairness on a Redis Cluster: the script's keys (the queue's and its own `fair:` keys, plus the
 * job hashes it reads) all carry the queue's hash tag, so it runs on one node without CROSSSLOT;
 * a real worker on the cluster then serves B's job ahead of A's backlog and makes it READY.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { fairnessKeys } from "../../src/fairness/fairness-keys.js";
import { after, before, describe, test } from "../support/bounded-test.js";
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { paragraphsOfText } from "../support/text.js";
import { waitUntil } from "../support/waits.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

describe("fairness on a Redis Cluster", () => {
  let cluster: RedisCluster | undefined;
  let env: TestEnvironment | undefined;
  let worker: WorkerProcess | undefined;
  before(async () => {
    cluster = await startRedisCluster();
    env = await createTestEnvironment("fair-cluster", { embeddingDim: 16, redisUrl: cluster.url });
  });
  after(async () => {
    await worker?.stop("SIGKILL");
    await env?.close();
    await cluster?.stop();
  });

  test("fair enqueues on the queue's slot; B's job goes ahead of A's backlog and ends READY", async () => {
    assert.ok(env && cluster);
    const a = await env.createWorkspace("A");
    const b = await env.createWorkspace("B");
    for (let i = 0; i < 50; i += 1) await env.producer.enqueue({ documentId: randomUUID(), workspaceId: a });
    await env.producer.setWorkspaceWeight(b, 2);
    const doc = await env.insertDocument({
      bytes: paragraphsOfText(2, 2_000),
      fileName: "b.txt",
      workspaceId: b,
    });
    await env.producer.enqueue({ documentId: doc.documentId, workspaceId: b });
    // Behind A's head job and A's next (same priority, earlier): third at the latest.
    const order = await env.producer.queue.getJobs(["prioritized"], 0, -1, true);
    const position = order.findIndex((job) => job.data.workspaceId === b);
    assert.ok(position >= 0 && position <= 2, `B's job is at ${position} of ${order.length}`);
    const keys = Object.values(fairnessKeys(env.producer.queue));
    assert.ok(
      keys.every((key) => key.startsWith("{ragworker}:")),
      keys.join(", "),
    );

    worker = startWorkerProcess(
      env.env({ WORKER_THREADS: "1", EMBEDDING_PROVIDER: "hash", LOG_LEVEL: "info" }),
    );
    await waitUntilServing(worker, 1);
    await waitUntil(
      "B's document READY",
      async () => (await env?.documentRow(doc.documentId))?.status === "READY",
      {
        timeoutMs: 60_000,
      },
    );
  });
});
