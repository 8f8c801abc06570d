import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Config } from "../config/config.js";
import { maskUrl } from "../config/mask-url.js";
import { documentStore } from "../db/document-store.js";
import { documentErrorMessage } from "../errors/document-error-message.js";
import { createPgPool } from "../db/pg-pool.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import { closeOpsServer, startOpsServer } from "../ops/ops-server.js";
import { WorkerMetrics } from "../ops/worker-metrics.js";
import { closeThreads } from "./close-threads.js";
import { CancelFlag } from "../protocol/thread-protocol.js";
import { awaitThreadReports, checkDatabase, pingRedis } from "./dependency-checks.js";
import { createJobProcessor } from "./job-processor.js";
import { ReleaseStack } from "./release-stack.js";
import { resolveModel } from "./resolve-model.js";
import { createThreadPool } from "./thread-pool.js";

const STARTUP_CHECK_TIMEOUT_MS = 3_000;
const THREAD_CLOSE_TIMEOUT_MS = 5_000;
// Threads stop at their next checkpoint once asked (an embedding batch at most, normally well
// under this); one still running after it is terminated.
const HARD_ABORT_GRACE_MS = 3_000;
// After the deadline and the grace, a queue worker still closing is waiting on Redis (completions
// and hand-backs cannot reach it): it is closed by force so the process still exits.
const FORCE_CLOSE_AFTER_GRACE_MS = 2_000;

export interface Supervisor {
  /** Drains and releases everything; safe to call more than once (later calls share the first). */
  stop(reason: string): Promise<void>;
  /** Skips the rest of the drain wait: running jobs are handed back to the queue now. */
  hurry(): void;
  readonly draining: boolean;
}

/**
 * Starts the worker: checks Redis and PostgreSQL (refusing to start without them), starts the
 * threads, then begins fetching jobs. Throws StartupError with a one-line reason.
 */
export async function startSupervisor(requested: Config, logger: Logger): Promise<Supervisor> {
  await pingRedis(requested.redisUrl, STARTUP_CHECK_TIMEOUT_MS);
  const { column, schema } = await checkDatabase(
    requested.databaseUrl,
    requested.embeddingDim,
    STARTUP_CHECK_TIMEOUT_MS,
    { nodes: requested.nodes.enabled },
  );
  const store = documentStore(schema);
  const config = await resolveModel(requested, logger);

  const releases = new ReleaseStack();
  const handBack = new AbortController();
  const hardAbort = new AbortController();
  const cancelFlag = CancelFlag.create();
  handBack.signal.addEventListener("abort", () => {
    new CancelFlag(cancelFlag).raise();
    setTimeout(() => hardAbort.abort(), HARD_ABORT_GRACE_MS).unref();
  });
  try {
    const db = createPgPool({
      url: config.databaseUrl,
      min: 0,
      max: 2,
      applicationName: "ragworker-supervisor",
      statementTimeoutMs: config.dbStatementTimeoutMs,
      logger,
    });
    releases.push("supervisor database pool", () => db.end());

    const pool = createThreadPool(config, { columnKind: column.kind, schema }, { cancelFlag });
    releases.push("thread pool", () => closeThreads(pool, logger, THREAD_CLOSE_TIMEOUT_MS));
    // Each thread loads its embedder and embeds a probe text; the supervisor only hears the results.
    await awaitThreadReports(pool, config, logger);

    // Workers need maxRetriesPerRequest null: blocking commands must wait through reconnects.
    const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    connection.on("error", (error) => logger.warn({ err: describeError(error) }, "redis connection error"));
    releases.push("redis connection", () => {
      connection.disconnect();
    });

    const queue = new Queue(config.queueName, { connection });
    queue.on("error", (error) => logger.warn({ err: describeError(error) }, "queue error"));
    releases.push("queue handle", () => queue.close());
    const metrics = new WorkerMetrics({ pool, queue, redisReady: () => connection.status === "ready" });

    let draining = false;
    const server = await startOpsServer({
      host: config.httpHost,
      port: config.httpPort,
      metrics,
      readiness: {
        redis: connection,
        db,
        liveThreads: () => pool.threads.length,
        draining: () => draining,
      },
      requireAuth: config.metricsRequireAuth,
      apiKeys: config.apiKeys,
      rbac: config.rbac,
      logger,
    });
    if (server) releases.push("ops server", () => closeOpsServer(server));

    const worker = new Worker(
      config.queueName,
      createJobProcessor({
        pool,
        db,
        store,
        logger,
        handBack: handBack.signal,
        hardAbort: hardAbort.signal,
        metrics,
        documentTimeoutMs: config.documentTimeoutMs,
        documentTimeoutGraceMs: config.documentTimeoutGraceMs,
      }),
      {
        connection,
        concurrency: config.threads,
        autorun: false,
        // The supervisor's event loop stays free (threads do the work), so renewals are on time;
        // the stalled check runs as often as a lock lasts, so a killed worker's jobs return soon.
        lockDuration: config.jobLockMs,
        stalledInterval: config.jobLockMs,
      },
    );
    worker.on("error", (error) => logger.error({ err: describeError(error) }, "queue worker error"));
    worker.on("failed", (job, error) => {
      logger.warn(
        { jobId: job?.id, attemptsMade: job?.attemptsMade, err: { message: error.message } },
        "job attempt failed",
      );
      // A job failed for good by BullMQ itself (stalled too often after its workers were killed)
      // never reached a thread that could record it: its document must not stay PROCESSING.
      const documentId = (job?.data as { documentId?: unknown } | undefined)?.documentId;
      const jobId = job?.id;
      if (!job || !jobId || typeof documentId !== "string") return;
      void job
        .getState()
        .then(async (state) => {
          if (state !== "failed") return;
          await store.release(db, {
            id: documentId,
            jobId,
            status: "FAILED",
            errorMessage: documentErrorMessage(error.message),
          });
        })
        .catch((releaseError: unknown) =>
          logger.error(
            { err: describeError(releaseError) },
            "could not mark the failed job's document FAILED",
          ),
        );
    });
    const forceClose = new AbortController();
    releases.push("queue worker", async () => {
      const onForce = new Promise<void>((resolve) =>
        forceClose.signal.addEventListener("abort", () => resolve()),
      );
      const closing = worker.close();
      const closed = await Promise.race([closing.then(() => true), onForce.then(() => false)]);
      if (!closed) {
        logger.error(
          "queue worker still closing long after the deadline (Redis unreachable?); closing it by force",
        );
        // close(true) itself waits on Redis for its connections; give it a moment, not forever.
        const forced = worker.close(true).catch((error: unknown) => {
          logger.warn({ err: describeError(error) }, "forced close of the queue worker failed");
        });
        await Promise.race([
          forced,
          new Promise((resolve) => setTimeout(resolve, FORCE_CLOSE_AFTER_GRACE_MS)),
        ]);
      }
    });

    void worker
      .run()
      .catch((error: unknown) => logger.fatal({ err: describeError(error) }, "queue worker stopped"));
    // rag-corp's start-up line (its fields first); ragworker's own after them.
    logger.info(
      {
        queue: config.queueName,
        http_port: config.httpPort,
        redis_configured: config.redisUrl !== "",
        db_pool_min: config.dbPoolMin,
        db_pool_max: config.dbPoolMax,
        threads: config.threads,
        redis: maskUrl(config.redisUrl),
        database: maskUrl(config.databaseUrl),
        embedding_column: column.kind,
        embedding_dim: column.dimension,
      },
      "Worker arrancando",
    );

    let stopping: Promise<void> | undefined;
    const stop = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        draining = true;
        logger.info(
          { reason, drainTimeoutMs: config.drainTimeoutMs },
          "draining: no new jobs, waiting for running ones",
        );
        const deadline = setTimeout(() => handBack.abort(), config.drainTimeoutMs);
        const force = setTimeout(
          () => forceClose.abort(),
          config.drainTimeoutMs + HARD_ABORT_GRACE_MS + FORCE_CLOSE_AFTER_GRACE_MS,
        );
        try {
          await releases.releaseAll(logger);
        } finally {
          clearTimeout(deadline);
          clearTimeout(force);
        }
        logger.info("worker stopped");
      })();
      return stopping;
    };
    return {
      stop,
      hurry: () => {
        handBack.abort();
        setTimeout(() => forceClose.abort(), HARD_ABORT_GRACE_MS + FORCE_CLOSE_AFTER_GRACE_MS).unref();
      },
      get draining() {
        return draining;
      },
    };
  } catch (error) {
    await releases.releaseAll(logger);
    throw error;
  }
}
