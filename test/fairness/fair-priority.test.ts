/**
 * The fairness script against a real Redis: tags per workspace and lane, weights, the bulk lag
 * and its aging, the clock forgetting flows once the queue has emptied, and the clamp at BullMQ's
 * largest priority. Jobs are added through DocumentProducer (the real add), and the order BullMQ
 * would serve them is read back from the prioritized set.
 */
import assert from "node:assert/strict";
import type { Queue } from "bullmq";
import { createRedis, type RedisClient } from "../../src/config/redis-connection.js";
import { FAIRNESS_DEFAULTS } from "../../src/config/fairness-settings.js";
import { fairnessKeys } from "../../src/fairness/fairness-keys.js";
import { fairPriority, FORGET_AFTER_MS, MAX_PRIORITY } from "../../src/fairness/fair-priority.js";
import { workspaceWeights } from "../../src/fairness/workspace-weights.js";
import { DocumentProducer, type EnqueueOptions } from "../../src/producer/enqueue-document.js";
import { after, describe, test } from "../support/bounded-test.js";
import { redisUrl, uniqueQueueName } from "../support/services.js";

describe("fair priorities", () => {
  const producers: DocumentProducer[] = [];
  const fresh = (fairness = FAIRNESS_DEFAULTS) => {
    const producer = new DocumentProducer(redisUrl(), uniqueQueueName("fair"), { fairness });
    producers.push(producer);
    return producer;
  };
  after(async () => {
    for (const producer of producers) {
      await producer.queue.obliterate({ force: true });
      await producer.close();
    }
  });

  const enqueue = (
    producer: DocumentProducer,
    workspaceId: string,
    count: number,
    options?: EnqueueOptions,
  ) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        producer.enqueue({ documentId: `${workspaceId}-${i}`, workspaceId }, options),
      ),
    );

  /** Workspace ids of the waiting jobs in the order BullMQ will serve them. */
  const serviceOrder = async (queue: Queue) => {
    const jobs = await queue.getJobs(["prioritized"], 0, -1, true);
    // getJobs on a zset returns ascending score order: priority, then arrival.
    return jobs.map((job) => (job.data as { workspaceId: string }).workspaceId);
  };

  /** Takes the first `count` jobs as a worker would (the lowest scores). */
  const popServed = async (producer: DocumentProducer, count: number) => {
    const client = createRedis(redisUrl());
    try {
      await client.zpopmin(producer.queue.toKey("prioritized"), count);
    } finally {
      client.disconnect();
    }
  };

  test("a newcomer is served next after a 200-job backlog, not after it", async () => {
    const producer = fresh();
    for (let i = 0; i < 200; i += 1) await producer.enqueue({ documentId: `a-${i}`, workspaceId: "A" });
    await producer.enqueue({ documentId: "b-0", workspaceId: "B" });
    const order = await serviceOrder(producer.queue);
    assert.equal(order.length, 201);
    assert.ok(order.indexOf("B") <= 2, `B is served at position ${order.indexOf("B")}`);
  });

  test("concurrent enqueues into an empty queue still take turns (no reset mid-burst)", async () => {
    const producer = fresh();
    await enqueue(producer, "A", 300);
    await producer.enqueue({ documentId: "b-0", workspaceId: "B" });
    const order = await serviceOrder(producer.queue);
    assert.ok(order.indexOf("B") <= 2, `B is served at position ${order.indexOf("B")}`);
  });

  test("as the head advances, a newcomer starts at the head, not at 0", async () => {
    const producer = fresh();
    for (let i = 0; i < 100; i += 1) await producer.enqueue({ documentId: `a-${i}`, workspaceId: "A" });
    await popServed(producer, 60);
    // The head is A's job at virtual time 61: C's first job ends at 62, after A's 61 and (same
    // priority, earlier arrival) A's 62; its second at 63, after A's 63. Far before A's tail.
    await enqueue(producer, "C", 1);
    await producer.enqueue({ documentId: "c-1", workspaceId: "C" });
    const order = await serviceOrder(producer.queue);
    assert.deepEqual(
      order.flatMap((workspace, index) => (workspace === "C" ? [index] : [])),
      [2, 4],
      order.join(","),
    );
  });

  test("a weight-2 workspace gets two turns for each of a weight-1 workspace", async () => {
    const producer = fresh();
    await producer.setWorkspaceWeight("heavy", 2);
    for (let i = 0; i < 30; i += 1) {
      await producer.enqueue({ documentId: `l-${i}`, workspaceId: "light" });
      await producer.enqueue({ documentId: `h-${i}`, workspaceId: "heavy" });
    }
    const firstThirty = (await serviceOrder(producer.queue)).slice(0, 30);
    const heavy = firstThirty.filter((workspace) => workspace === "heavy").length;
    assert.ok(heavy >= 19 && heavy <= 21, `heavy took ${heavy} of the first 30 turns`);
  });

  test("weights are validated and stored under the queue's prefix", async () => {
    const producer = fresh();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(producer.setWorkspaceWeight("W", bad), RangeError);
    }
    await producer.setWorkspaceWeight("W", 0.5);
    const client = createRedis(redisUrl());
    try {
      assert.deepEqual(await workspaceWeights(client, producer.queue), new Map([["W", 0.5]]));
      assert.ok(fairnessKeys(producer.queue).weights.startsWith(producer.queue.toKey("")));
    } finally {
      client.disconnect();
    }
  });

  test("bulk yields to interactive work by QUEUE_BULK_AGING_JOBS, then comes due (aging)", async () => {
    const producer = fresh({ ...FAIRNESS_DEFAULTS, bulkAgingJobs: 20 });
    // An import already queued, then the importer's own upload and another workspace's 40.
    for (let i = 0; i < 50; i += 1) {
      await producer.enqueue({ documentId: `imp-${i}`, workspaceId: "importer" }, { lane: "bulk" });
    }
    await producer.enqueue({ documentId: "imp-upload", workspaceId: "importer" });
    for (let i = 0; i < 40; i += 1) await producer.enqueue({ documentId: `u-${i}`, workspaceId: "user" });
    const jobs = await producer.queue.getJobs(["prioritized"], 0, -1, true);
    const ids = jobs.map((job) => (job.data as { documentId: string }).documentId);
    assert.equal(ids.length, 91);
    assert.equal(ids[0], "imp-upload", "interactive work starts first, even behind an import");
    const firstBulk = ids.indexOf("imp-0");
    // About 20 rounds of interactive work go first, then bulk and interactive take turns.
    assert.ok(
      firstBulk >= 19 && firstBulk <= 23,
      `the first bulk job is served at ${firstBulk}: ${ids.join(",")}`,
    );
    assert.ok(firstBulk < ids.indexOf("u-39"), "bulk is not held back behind all interactive work");
    const lastTwenty = ids.slice(-20);
    assert.ok(
      lastTwenty.every((id) => id.startsWith("imp-")),
      "the import's tail runs after the uploads",
    );
  });

  test("once the queue has emptied and the flows are quiet, the clock starts over at 0", async () => {
    const producer = fresh();
    for (let i = 0; i < 10; i += 1) await producer.enqueue({ documentId: `a-${i}`, workspaceId: "A" });
    const client = createRedis(redisUrl());
    try {
      await client.zpopmin(producer.queue.toKey("prioritized"), 10);
      // Queue idle (nothing prioritized, waiting, delayed or active) but A was given a job just now:
      // its tag is kept, as an add may still be on its way.
      const soon = await fairPriority(
        client,
        producer.queue,
        { workspaceId: "A", lane: "interactive" },
        FAIRNESS_DEFAULTS,
      );
      assert.equal(soon.priority, 2 * 11);
      // FORGET_AFTER_MS later, as the script sees it: A's last job given that long ago.
      const keys = fairnessKeys(producer.queue);
      const [seconds] = await client.time();
      await client.hset(keys.touched, "A|interactive", String(Number(seconds) * 1000 - FORGET_AFTER_MS - 1));
      const later = await fairPriority(
        client,
        producer.queue,
        { workspaceId: "A", lane: "interactive" },
        FAIRNESS_DEFAULTS,
      );
      assert.deepEqual(later, { priority: 2 * 1, clamped: false });
      assert.equal(await client.hlen(keys.finish), 1, "only the new tag is left");
    } finally {
      client.disconnect();
    }
  });

  test("with a job still active the clock keeps its place when flows are forgotten (no restart at 0)", async () => {
    const producer = fresh();
    for (let i = 0; i < 10; i += 1) await producer.enqueue({ documentId: `a-${i}`, workspaceId: "A" });
    const client = createRedis(redisUrl());
    try {
      // A worker took all ten; the last is still running (its retry would come back at 20).
      const taken = await client.zpopmin(producer.queue.toKey("prioritized"), 10);
      await client.lpush(producer.queue.toKey("active"), taken.at(-2) ?? "");
      const [seconds] = await client.time();
      await client.hset(
        fairnessKeys(producer.queue).touched,
        "A|interactive",
        String(Number(seconds) * 1000 - FORGET_AFTER_MS - 1),
      );
      const next = await fairPriority(
        client,
        producer.queue,
        { workspaceId: "B", lane: "interactive" },
        FAIRNESS_DEFAULTS,
      );
      assert.deepEqual(next, { priority: 2 * 11, clamped: false });
    } finally {
      client.disconnect();
    }
  });

  test("past BullMQ's largest priority the job still goes in, clamped, and the producer warns once", async () => {
    const warnings: string[] = [];
    const queueName = uniqueQueueName("fair-clamp");
    const producer = new DocumentProducer(redisUrl(), queueName, {
      warn: (message) => warnings.push(message),
    });
    producers.push(producer);
    const client: RedisClient = createRedis(redisUrl());
    try {
      await client.hset(fairnessKeys(producer.queue).finish, "A|interactive", String(MAX_PRIORITY + 5));
      await client.hset(fairnessKeys(producer.queue).touched, "A|interactive", String(Date.now() + 60_000));
      await producer.enqueue({ documentId: "a-1", workspaceId: "A" });
      await producer.enqueue({ documentId: "a-2", workspaceId: "A" });
      const jobs = await producer.queue.getJobs(["prioritized"], 0, -1, true);
      assert.deepEqual(
        jobs.map((job) => job.priority),
        [MAX_PRIORITY, MAX_PRIORITY],
      );
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? "", /largest priority/);
    } finally {
      client.disconnect();
    }
  });

  test("with QUEUE_FAIRNESS off the add is plain FIFO: the wait list, no priority, no fairness keys", async () => {
    const producer = fresh({ ...FAIRNESS_DEFAULTS, enabled: false });
    await enqueue(producer, "A", 3, { lane: "bulk" });
    assert.equal(await producer.queue.getWaitingCount(), 3);
    assert.equal(await producer.queue.getPrioritizedCount(), 0);
    const client = createRedis(redisUrl());
    try {
      assert.equal(await client.exists(fairnessKeys(producer.queue).clock), 0);
    } finally {
      client.disconnect();
    }
  });
});
