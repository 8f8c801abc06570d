import { Queue, type Worker } from "bullmq";
import type { Piscina } from "piscina";
import type { Config } from "../config/config.js";
import { maskUrl } from "../config/mask-url.js";
import { createRedis, queuePrefixOption, type RedisClient } from "../config/redis-connection.js";
import { documentStore, type DocumentStore } from "../db/document-store.js";
import type { Queryable } from "../db/queryable.js";
import type { EmbeddingColumn } from "../db/embedding-column.js";
import { createPgPool } from "../db/pg-pool.js";
import { checkOcrTools } from "../ocr/check-ocr-tools.js";
import { commandOnPath } from "../tools/command-on-path.js";
import type { DocumentQueue } from "../producer/enqueue-document.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import { closeOpsServer, startOpsServer } from "../ops/ops-server.js";
import { WorkerMetrics } from "../ops/worker-metrics.js";
import { closeThreads } from "./close-threads.js";
import { isTaskProgressMessage, isTaskStartedMessage } from "../protocol/thread-protocol.js";
import { adminSources } from "./admin-sources.js";
import { CancellationWatch } from "./cancellation-watch.js";
import { awaitThreadReports, checkDatabase, pingRedis } from "./dependency-checks.js";
import { JobsInFlight } from "./jobs-in-flight.js";
import { createDependencyCircuits } from "./dependency-probes.js";
import { createJobProcessor } from "./job-processor.js";
import { closeQueueWorker, createQueueWorker } from "./queue-worker.js";
import { startReconciler, type Reconciler } from "./reconciler.js";
import { ReleaseStack } from "./release-stack.js";
import { resolveModel } from "./resolve-model.js";
import { abortable, type Shutdown } from "./shutdown.js";
import { createThreadPool } from "./thread-pool.js";
import { ThreadSlots } from "./thread-slots.js";

const STARTUP_CHECK_TIMEOUT_MS = 3_000;
const THREAD_CLOSE_TIMEOUT_MS = 5_000;

export interface Supervisor {
  /**
   * Drains (see Shutdown) and releases everything, last acquired first; safe to call more than
   * once (later calls share the first). Rejects naming every resource that failed to close.
   */
  stop(reason: string): Promise<void>;
}

interface Checked {
  readonly config: Config;
  readonly column: EmbeddingColumn;
  readonly store: DocumentStore;
}

/**
 * Redis and PostgreSQL answer, the schema has every column, the model is on disk, OCR's tools and
 * languages are installed (when OCR_ENABLED): the worker refuses to start otherwise (StartupError,
 * one line). A shutdown during these steps stops them.
 */
async function checkDependencies(requested: Config, logger: Logger, stop: AbortSignal): Promise<Checked> {
  await abortable(checkOcrTools(requested.ocr), stop);
  if (!(await commandOnPath("soffice"))) {
    // Not a refusal: LibreOffice only converts three legacy formats, and a worker for the others
    // runs well without it. Those documents fail retryably (CONVERTER_UNAVAILABLE) until their
    // attempts run out, then FAILED naming LibreOffice: said here once, before any of them.
    logger.error(
      { packages: "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui" },
      "soffice not found: .xls, .ppt and .rtf documents will fail (CONVERTER_UNAVAILABLE) until LibreOffice is installed",
    );
  }
  await abortable(pingRedis(requested.redisUrl, STARTUP_CHECK_TIMEOUT_MS), stop);
  const { column, schema } = await abortable(
    checkDatabase(requested.databaseUrl, requested.embeddingDim, STARTUP_CHECK_TIMEOUT_MS, {
      nodes: requested.nodes.enabled,
    }),
    stop,
  );
  const config = await abortable(resolveModel(requested, logger), stop);
  return { config, column, store: documentStore(schema) };
}

/**
 * Starts the worker under `shutdown`, acquiring each resource onto a release stack: checks its
 * dependencies, starts the threads (each probes its embedder), the ops server, then fetches jobs.
 * A shutdown begun during start-up stops it, releasing what was acquired, and rejects.
 */
export async function startSupervisor(
  requested: Config,
  logger: Logger,
  shutdown: Shutdown,
): Promise<Supervisor> {
  const stopStartup = shutdown.startup;
  const { config, column, store } = await checkDependencies(requested, logger, stopStartup);
  const releases = new ReleaseStack();
  try {
    // Every job's lookup runs on it (job-processor.ts): one at a time takes a fraction of a
    // millisecond, so four connections serve thousands of jobs a second.
    const db = createPgPool({
      url: config.databaseUrl,
      min: 0,
      max: 4,
      applicationName: "ragworker-supervisor",
      statementTimeoutMs: config.dbStatementTimeoutMs,
      logger,
    });
    releases.push("supervisor database pool", () => db.end());

    const pool = createThreadPool(
      config,
      { columnKind: column.kind, schema: store.schema },
      { cancelFlag: shutdown.cancelFlag },
    );
    releases.push("thread pool", () => closeThreads(pool, logger, THREAD_CLOSE_TIMEOUT_MS));
    // Each thread loads its embedder and embeds a probe text; the supervisor only hears the results.
    await abortable(awaitThreadReports(pool, config, logger), stopStartup);

    const { connection, queue } = openQueue(config, logger, releases);
    const inFlight = watchJobsInFlight(config, { pool, store, db }, logger, releases);

    let worker: Worker | null = null;
    const circuits = createDependencyCircuits(config, { db, pool, shutdown, worker: () => worker }, logger);
    releases.push("dependency circuits", () => circuits.stop());

    const metrics = new WorkerMetrics({
      pool,
      queue,
      redisReady: () => connection.status === "ready",
      inFlightByStage: () => inFlight.countByStage(),
      dependencyUp: () => circuits.status(),
    });
    // The operator page reads the slots and the reconciler, which start after the ops server.
    const later: { slots?: ThreadSlots; reconciler?: Reconciler } = {};
    const server = await startOpsServer({
      host: config.httpHost,
      port: config.httpPort,
      metrics,
      readiness: {
        redis: connection,
        db,
        liveThreads: () => pool.threads.length,
        draining: () => shutdown.stopping,
        dependencies: () => circuits.status(),
      },
      requireAuth: config.metricsRequireAuth,
      apiKeys: config.apiKeys,
      rbac: config.rbac,
      logger,
      admin: adminSources({
        queue,
        pool,
        size: config.threads,
        inFlight,
        slots: () => later.slots ?? null,
        reconciler: () => later.reconciler ?? null,
        reconcileIntervalMs: config.reconcileIntervalMs,
      }),
    });
    if (server) releases.push("ops server", () => closeOpsServer(server));

    // Prefetched jobs wait for a thread here; the drain sends those still waiting back at once.
    const slots = new ThreadSlots(config.threads);
    later.slots = slots;
    shutdown.onPhase((phase) => {
      if (phase === "draining") slots.close();
    });
    worker = createQueueWorker({
      config,
      connection,
      db,
      store,
      logger,
      processor: createJobProcessor({
        pool,
        slots,
        db,
        store,
        logger,
        shutdown,
        metrics,
        documentTimeoutMs: config.documentTimeoutMs,
        documentTimeoutGraceMs: config.documentTimeoutGraceMs,
        inFlight,
        circuits,
        dependencyHandBackDelayMs: config.dependencyProbeMinMs,
      }),
    });
    const queueWorker = worker;
    // Released at the drain right after the reconciler: no new job is fetched; running ones finish
    // or are handed back.
    releases.push("queue worker", () => closeQueueWorker(queueWorker, shutdown.forceClose, logger));

    // The last chance for a shutdown begun during start-up: from the next line on, it drains.
    stopStartup.throwIfAborted();
    shutdown.started();
    void queueWorker
      .run()
      .catch((error: unknown) => logger.fatal({ err: describeError(error) }, "queue worker stopped"));
    // Once jobs are fetched; released first at the drain (pushed last), so nothing is enqueued
    // again while running jobs finish or are handed back, and its lock frees for another replica.
    const reconciler = startReconciler({
      config,
      store,
      queue,
      redis: connection,
      logger,
      onPass: (enqueued) => metrics.recordReconcilePass(enqueued),
    });
    later.reconciler = reconciler;
    releases.push("reconciler", () => reconciler.stop());
    logStarted(config, column, logger);
    return { stop: createStop(shutdown, releases, config, logger) };
  } catch (error) {
    const failed = await releases.releaseAll(logger);
    if (failed.length > 0) logger.error({ resources: failed }, "could not release after a failed start");
    throw error;
  }
}

/** The supervisor's Redis connection and its handle on the queue, each released at the drain. */
function openQueue(
  config: Pick<Config, "redisUrl" | "queueName">,
  logger: Logger,
  releases: ReleaseStack,
): { connection: RedisClient; queue: DocumentQueue } {
  // Workers need maxRetriesPerRequest null: blocking commands must wait through reconnects
  // (a Sentinel failover included: each reconnect asks the sentinels for the new primary).
  const connection = createRedis(config.redisUrl, { maxRetriesPerRequest: null });
  connection.on("error", (error) => logger.warn({ err: describeError(error) }, "redis connection error"));
  releases.push("redis connection", () => {
    connection.disconnect();
  });
  // Typed as the producer's: the reconciler enqueues on it.
  const queue: DocumentQueue = new Queue(config.queueName, {
    connection,
    ...queuePrefixOption(config.redisUrl),
  });
  queue.on("error", (error) => logger.warn({ err: describeError(error) }, "queue error"));
  releases.push("queue handle", () => queue.close());
  return { connection, queue };
}

/**
 * The jobs the threads are running: their progress (threads post it; passed on to BullMQ and
 * /metrics) and the watch that raises a job's flag when the API cancels its document.
 */
function watchJobsInFlight(
  config: Pick<Config, "cancelCheckIntervalMs">,
  sources: { readonly pool: Piscina; readonly store: DocumentStore; readonly db: Queryable },
  logger: Logger,
  releases: ReleaseStack,
): JobsInFlight {
  const inFlight = new JobsInFlight(logger);
  sources.pool.on("message", (message: unknown) => {
    if (isTaskProgressMessage(message)) inFlight.progress(message);
    else if (isTaskStartedMessage(message)) inFlight.started(message);
  });
  const cancels = new CancellationWatch({
    inFlight,
    store: sources.store,
    db: sources.db,
    logger,
    intervalMs: config.cancelCheckIntervalMs,
  });
  releases.push("cancellation watch", () => cancels.stop());
  return inFlight;
}

/**
 * The drain: the shutdown begins (if a signal did not begin it), the release stack unwinds — the
 * queue worker first, which waits for running jobs or hands them back at the deadline — and the
 * returned promise rejects naming every resource that failed to close.
 */
export function createStop(
  shutdown: Shutdown,
  releases: ReleaseStack,
  config: Pick<Config, "drainTimeoutMs">,
  logger: Logger,
): (reason: string) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (reason) => {
    stopping ??= (async () => {
      shutdown.begin(reason);
      logger.info(
        { reason: shutdown.cause || reason, drain_timeout_ms: config.drainTimeoutMs },
        "draining: no new jobs, waiting for running ones",
      );
      const failed = await releases.releaseAll(logger);
      shutdown.finish();
      if (failed.length > 0) throw new Error(`could not close: ${failed.join(", ")}`);
      logger.info("worker stopped");
    })();
    return stopping;
  };
}

/** rag-corp's start-up line (its fields first); ragworker's own after them. */
function logStarted(config: Config, column: EmbeddingColumn, logger: Logger): void {
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
}
