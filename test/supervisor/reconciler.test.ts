/**
 * The reconciler in-process, against real Redis and PostgreSQL: a pass enqueues the documents
 * that should be queued and are not (and only those), three passes at once still enqueue each
 * document once, the cursor reaches orphans behind documents whose jobs are alive, and one
 * replica at a time leads, another taking over when the leader's session ends.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "../support/bounded-test.js";
import { defaultConfig } from "../../src/config/config.js";
import { FAIRNESS_DEFAULTS } from "../../src/config/fairness-settings.js";
import { createRedis, type RedisClient } from "../../src/config/redis-connection.js";
import { documentStore } from "../../src/db/document-store.js";
import { createLogger } from "../../src/logging/logger.js";
import { DOCUMENT_JOB_NAME } from "../../src/producer/document-job.js";
import {
  FIRST_CURSORS,
  reconcileJobId,
  reconcilePass,
  type ReconcileCursors,
  type ReconcilePassDeps,
} from "../../src/supervisor/reconcile-pass.js";
import { startReconciler, type Reconciler } from "../../src/supervisor/reconciler.js";
import { redisUrl } from "../support/services.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { waitUntil } from "../support/waits.js";

const AGE_MS = 60_000;
const logger = createLogger("silent");

describe("reconciler", () => {
  let env: TestEnvironment;
  let redis: RedisClient;

  before(async () => {
    env = await createTestEnvironment("reconciler", { embeddingDim: 8 });
    redis = createRedis(redisUrl(), { maxRetriesPerRequest: null });
    redis.on("error", () => undefined);
  });
  after(async () => {
    redis.disconnect();
    await env.close();
  });

  const deps = (batchSize = 100): ReconcilePassDeps => ({
    db: env.db,
    store: documentStore("ragworker"),
    queue: env.producer.queue,
    redis,
    logger,
    settings: {
      pendingAgeMs: AGE_MS,
      claimTtlMs: 600_000,
      batchSize,
      jobAttempts: 3,
      redisTimeoutMs: 10_000,
      fairness: FAIRNESS_DEFAULTS,
    },
  });
  /** A document with no job, in `status`, last changed twice the age ago. */
  const orphan = async (status = "PENDING"): Promise<{ documentId: string; workspaceId: string }> => {
    const { documentId, workspaceId } = await env.insertDocument({ bytes: "text", fileName: "a.txt" });
    await env.db.query(
      `UPDATE documents SET status = $2, updated_at = now() - interval '2 minutes',
              processing_started_at = CASE WHEN $2 = 'PROCESSING' THEN now() - interval '1 hour' END
        WHERE id = $1`,
      [documentId, status],
    );
    return { documentId, workspaceId };
  };
  const reset = async () => {
    await env.producer.queue.obliterate({ force: true });
    await env.db.query("DELETE FROM documents");
    await env.db.query("DELETE FROM ragworker_reconciles");
  };
  const jobIdsFor = async (documentId: string): Promise<string[]> => {
    const jobs = await env.producer.queue.getJobs(["waiting", "delayed", "prioritized", "active"]);
    return jobs.filter((job) => job.data.documentId === documentId).map((job) => job.id ?? "");
  };

  it("enqueues a PENDING document with no job, and one PROCESSING past its claim, each with its round's job id", async () => {
    await reset();
    const pending = await orphan();
    const processing = await orphan("PROCESSING");
    const result = await reconcilePass(deps(), FIRST_CURSORS);
    assert.deepEqual(result.enqueued, { pending_without_job: 1, processing_claim_expired: 1 });
    assert.deepEqual(await jobIdsFor(pending.documentId), [reconcileJobId(pending.documentId, 1)]);
    assert.deepEqual(await jobIdsFor(processing.documentId), [reconcileJobId(processing.documentId, 1)]);
    const job = await env.producer.queue.getJob(reconcileJobId(pending.documentId, 1));
    assert.equal(job?.name, DOCUMENT_JOB_NAME);
    assert.deepEqual(job?.data, { documentId: pending.documentId, workspaceId: pending.workspaceId });
    assert.equal(job?.opts.attempts, 3);
    // A fair job in the bulk lane (odd priority), not a plain add that would jump every backlog.
    assert.equal(await env.producer.queue.getJobState(job?.id ?? ""), "prioritized");
    assert.equal((job?.priority ?? 0) % 2, 1);
  });

  it("leaves alone documents with a waiting, delayed or prioritized job, and the ones it just enqueued", async () => {
    await reset();
    const waiting = await orphan();
    const delayed = await orphan();
    const prioritized = await orphan();
    await env.producer.enqueue({ documentId: waiting.documentId, workspaceId: waiting.workspaceId });
    await env.producer.enqueue(
      { documentId: delayed.documentId, workspaceId: delayed.workspaceId },
      { delay: 60_000 },
    );
    await env.producer.enqueue(
      { documentId: prioritized.documentId, workspaceId: prioritized.workspaceId },
      { priority: 5 },
    );
    const lonely = await orphan();
    const first = await reconcilePass(deps(), FIRST_CURSORS);
    assert.equal(first.live, 3);
    assert.deepEqual(first.enqueued, { pending_without_job: 1, processing_claim_expired: 0 });
    assert.deepEqual(await jobIdsFor(lonely.documentId), [reconcileJobId(lonely.documentId, 1)]);
    const second = await reconcilePass(deps(), FIRST_CURSORS);
    assert.equal(second.live, 4, "its own job is live now");
    assert.deepEqual(second.enqueued, { pending_without_job: 0, processing_claim_expired: 0 });
  });

  it("three passes at once (three replicas) enqueue each document exactly once", async () => {
    await reset();
    const documents = await Promise.all(Array.from({ length: 30 }, () => orphan()));
    const results = await Promise.all([1, 2, 3].map(() => reconcilePass(deps(), FIRST_CURSORS)));
    const enqueued = results.reduce((sum, result) => sum + result.enqueued.pending_without_job, 0);
    assert.equal(enqueued, documents.length);
    const jobs = await env.producer.queue.getJobs(["waiting", "prioritized"]);
    assert.equal(jobs.length, documents.length, "one job per document");
    assert.deepEqual(
      new Set(jobs.map((job) => job.id)),
      new Set(documents.map((doc) => reconcileJobId(doc.documentId, 1))),
    );
  });

  it("the cursor reaches orphans behind a page of documents whose jobs are alive", async () => {
    await reset();
    const alive = await Promise.all(Array.from({ length: 12 }, () => orphan()));
    for (const doc of alive) await env.producer.enqueue(doc);
    const orphans = await Promise.all(Array.from({ length: 3 }, () => orphan()));
    let cursors: ReconcileCursors = FIRST_CURSORS;
    let enqueued = 0;
    for (let pass = 0; pass < 4; pass += 1) {
      const result = await reconcilePass(deps(5), cursors);
      enqueued += result.enqueued.pending_without_job;
      cursors = result.next;
    }
    assert.equal(enqueued, orphans.length, "15 candidates, 5 a pass: every one seen within 3 passes");
  });

  describe("leadership", () => {
    const reconcilers: Reconciler[] = [];
    const start = (): Reconciler => {
      const reconciler = startReconciler({
        // A day's interval: these tests tick by hand.
        config: {
          ...defaultConfig(),
          databaseUrl: env.database.url,
          queueName: env.queueName,
          reconcileIntervalMs: 86_400_000,
        },
        store: documentStore("ragworker"),
        queue: env.producer.queue,
        redis,
        logger,
      });
      reconcilers.push(reconciler);
      return reconciler;
    };
    after(async () => {
      await Promise.all(reconcilers.map((reconciler) => reconciler.stop()));
    });

    it("one of two leads; when its session ends the other takes over at its next tick; a stopped leader frees the lock", async () => {
      await redis.ping();
      const [a, b] = [start(), start()];
      await Promise.all([a.tick(), b.tick()]);
      assert.equal([a, b].filter((r) => r.leading).length, 1, "exactly one leads");
      const leader = a.leading ? a : b;
      const follower = leader === a ? b : a;
      assert.ok(leader.lastPass, "the leader ran a pass");
      assert.equal(follower.lastPass, null);

      // The leader's replica dies: PostgreSQL ends its session (here, for it), freeing the lock.
      await env.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      await waitUntil("the old leader to notice its session ended", () => !leader.leading);
      await follower.tick();
      assert.ok(follower.leading, "the other replica took the lock");
      await leader.tick();
      assert.equal(leader.leading, false, "the old leader reconnects as a follower");

      await follower.stop();
      await leader.tick();
      assert.ok(leader.leading, "a stopped leader's lock is free at once");
    });

    it("RECONCILE_INTERVAL_MS=0: no reconciler, no connection", async () => {
      const off = startReconciler({
        config: { ...defaultConfig(), reconcileIntervalMs: 0 },
        store: documentStore("ragworker"),
        queue: env.producer.queue,
        redis,
        logger,
      });
      await off.tick();
      assert.equal(off.leading, false);
      assert.equal(off.lastPass, null);
      await off.stop();
    });
  });
});
