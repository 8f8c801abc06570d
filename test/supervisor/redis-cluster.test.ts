/**
 * Redis Cluster (issue 16, item 5): REDIS_URL names a local 3-master cluster of Debian's
 * redis-server (`redis+cluster://…`). Documents of three formats go through a real worker
 * process, the queue's keys all on the one slot of its hash-tagged prefix and the embedding
 * cache's keys spread over the nodes; then the fault suite's short run on the cluster: a worker
 * SIGKILLed mid-load, a fresh one, every document READY exactly once.
 */
import assert from "node:assert/strict";
import type { Job } from "bullmq";
import { after, before, describe, test } from "../support/bounded-test.js";
import { CLUSTER_QUEUE_PREFIX } from "../../src/config/redis-connection.js";
import { assertDocumentsReadyExactly } from "../support/document-assertions.js";
import { makeDocx, makePdf } from "../support/document-fixtures.js";
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster.js";
import { paragraphsOfText } from "../support/text.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { waitUntil } from "../support/waits.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

describe("Redis Cluster", () => {
  let cluster: RedisCluster | undefined;
  let env: TestEnvironment | undefined;
  const workers: WorkerProcess[] = [];
  const start = (overrides: Record<string, string> = {}): WorkerProcess => {
    assert.ok(env);
    const worker = startWorkerProcess(
      env.env({
        WORKER_THREADS: "2",
        JOB_LOCK_MS: "2000",
        // rag-corp's cache in Redis: on a cluster its keys lie on every node.
        EMBEDDING_CACHE_BACKEND: "redis",
        ...overrides,
      }),
    );
    workers.push(worker);
    return worker;
  };

  /** Every key of every node matching `pattern`, by node port. */
  const keysByNode = async (pattern: string): Promise<Map<number, string[]>> => {
    assert.ok(cluster);
    const found = new Map<number, string[]>();
    for (const port of cluster.ports) found.set(port, await cluster.node(port).keys(pattern));
    return found;
  };

  before(async () => {
    cluster = await startRedisCluster();
    env = await createTestEnvironment("cluster", { embeddingDim: 16, redisUrl: cluster.url });
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
    await env?.close();
    await cluster?.stop();
  });

  test("documents go through a worker on the cluster; the queue's keys share one slot", async () => {
    assert.ok(env && cluster);
    const worker = start();
    const port = await waitUntilServing(worker, 2);
    const jobs: Array<{ job: Job; documentId: string }> = [];
    const inputs = [
      { bytes: paragraphsOfText(1, 200_000), fileName: "one.txt" },
      { bytes: "# Title\n\nSome *Markdown* text.\n", fileName: "two.md" },
      { bytes: await makePdf(["A first page of text.", "A second page."]), fileName: "three.pdf" },
      {
        bytes: await makeDocx([{ heading: "A heading", paragraphs: ["A Word paragraph."] }]),
        fileName: "four.docx",
      },
    ];
    for (const input of inputs) {
      const document = await env.insertDocument(input);
      jobs.push({ job: await env.enqueue(document, 3), documentId: document.documentId });
    }
    await assertDocumentsReadyExactly(env, jobs);

    // BullMQ's keys: every one under the hash-tagged prefix, all on one node; none under `bull:`.
    const queueKeys = await keysByNode(`${CLUSTER_QUEUE_PREFIX}:${env.queueName}:*`);
    const nodesWithQueueKeys = [...queueKeys].filter(([, keys]) => keys.length > 0);
    assert.equal(nodesWithQueueKeys.length, 1, `queue keys by node: ${JSON.stringify([...queueKeys])}`);
    const bullKeys = [...(await keysByNode("bull:*")).values()].flat();
    assert.deepEqual(bullKeys, [], "keys under BullMQ's default prefix");
    // The embedding cache's keys are spread by their own hashes, over more than one node.
    const cacheKeys = await keysByNode("rag:embedding:*");
    assert.ok(
      [...cacheKeys.values()].filter((keys) => keys.length > 0).length >= 2,
      `embedding cache keys by node: ${JSON.stringify([...cacheKeys].map(([p, keys]) => [p, keys.length]))}`,
    );
    assert.ok(
      !worker.logs.some((line) => line.message === "embedding cache: using memory instead of Redis"),
      "the threads' cache reached the cluster",
    );

    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(readyz.status, 200, "/readyz with a cluster client");
    assert.equal(await worker.stop(), 0);
  });

  test("SIGKILL mid-load on the cluster, then a fresh worker: every document READY exactly once", async () => {
    assert.ok(env);
    const victim = start();
    await victim.waitForLog((line) => line.message === "Worker arrancando");
    const jobs: Array<{ job: Job; documentId: string }> = [];
    for (let i = 0; i < 10; i += 1) {
      const document = await env.insertDocument({
        bytes: paragraphsOfText(100 + i, 400_000),
        fileName: `f${i}.txt`,
      });
      jobs.push({ job: await env.enqueue(document, 3), documentId: document.documentId });
    }
    // Kill it once documents are claimed, so the kill leaves PROCESSING rows behind.
    const claimed = async () =>
      (await env?.db.query("SELECT id FROM documents WHERE status = 'PROCESSING'"))?.rows.length ?? 0;
    await waitUntil("a document to be claimed", async () => (await claimed()) >= 1, {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    victim.child.kill("SIGKILL");
    assert.equal(await victim.exited(), "SIGKILL");

    const survivor = start();
    await assertDocumentsReadyExactly(env, jobs);
    const stuck = await env.db.query("SELECT id FROM documents WHERE status = 'PROCESSING'");
    assert.deepEqual(stuck.rows, []);
    assert.equal(await survivor.stop(), 0);
  });
});
