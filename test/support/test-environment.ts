/**
 * One isolated world per test file: its own database (migrated), storage directory and queue,
 * plus the environment a worker process needs to use exactly those.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { QueueEvents, type Job } from "bullmq";
import pg from "pg";
import { createRedis, queuePrefixOption } from "../../src/config/redis-connection.js";
import { migrate } from "../../src/db/migrate.js";
import { DocumentProducer } from "../../src/producer/enqueue-document.js";
import type { DocumentJobData } from "../../src/producer/document-job.js";
import type { Storage } from "../../src/storage/storage.js";
import { createTestDatabase, redisUrl, uniqueQueueName, type TestDatabase } from "./services.js";
import { within } from "./waits.js";

/** How long `finished()` waits for a job by default: a few MB document on a busy machine. */
export const JOB_TIMEOUT_MS = 60_000;

export interface TestEnvironment {
  readonly database: TestDatabase;
  readonly db: pg.Pool;
  readonly queueName: string;
  readonly storageDir: string;
  readonly producer: DocumentProducer;
  readonly queueEvents: QueueEvents;
  /** Environment for a worker process bound to this world; `overrides` win. */
  env(overrides?: Record<string, string>): Record<string, string>;
  createWorkspace(name?: string): Promise<string>;
  insertDocument(input: {
    bytes: Uint8Array | string;
    fileName: string;
    mimeType?: string | null;
    workspaceId?: string;
    status?: string;
    /** Where the bytes go instead of the file storage directory (an S3Storage, say). */
    storage?: Storage;
  }): Promise<{ documentId: string; workspaceId: string; storageKey: string }>;
  /** The document's status and error message now, or undefined when there is no such row. */
  documentRow(documentId: string): Promise<{ status: string; error_message: string | null } | undefined>;
  enqueue(data: DocumentJobData | Record<string, unknown>, attempts?: number): Promise<Job>;
  /**
   * Resolves with the job's final state once BullMQ says it completed or failed for good; fails
   * after `timeoutMs` naming the job and the state it was left in.
   */
  finished(
    job: Job,
    timeoutMs?: number,
  ): Promise<{ state: "completed"; value: unknown } | { state: "failed"; reason: string }>;
  close(): Promise<void>;
}

export async function createTestEnvironment(
  label: string,
  /** redisUrl: the world's Redis instead of the suite's (a Sentinel set's URL, say). */
  options: { embeddingDim?: number; redisUrl?: string } = {},
): Promise<TestEnvironment> {
  const embeddingDim = options.embeddingDim ?? 64;
  const worldRedisUrl = options.redisUrl ?? redisUrl();
  const database = await createTestDatabase(label);
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  db.on("error", () => undefined);
  const client = await db.connect();
  try {
    await migrate(client, { embeddingDim });
  } finally {
    client.release();
  }
  const queueName = uniqueQueueName(label);
  const storageDir = await mkdtemp(join(tmpdir(), `ragworker-${label}-`));
  const producer = new DocumentProducer(worldRedisUrl, queueName);
  // BullMQ does not close a connection it was handed, so this one is kept to close it ourselves.
  const eventsConnection = createRedis(worldRedisUrl, { maxRetriesPerRequest: null });
  eventsConnection.on("error", () => undefined);
  const queueEvents = new QueueEvents(queueName, {
    connection: eventsConnection,
    ...queuePrefixOption(worldRedisUrl),
  });
  await within(
    queueEvents.waitUntilReady(),
    `QueueEvents on ${queueName} to be ready (Redis at ${worldRedisUrl})`,
  );
  queueEvents.on("error", () => undefined);
  // finished() adds a listener pair per job awaited; tests await dozens at once.
  queueEvents.setMaxListeners(0);
  let defaultWorkspace: string | undefined;

  const environment: TestEnvironment = {
    database,
    db,
    queueName,
    storageDir,
    producer,
    queueEvents,
    env: (overrides = {}) => ({
      REDIS_URL: worldRedisUrl,
      DATABASE_URL: database.url,
      DOCUMENT_QUEUE_NAME: queueName,
      STORAGE_URL: `file://${storageDir}`,
      EMBEDDING_DIM: String(embeddingDim),
      WORKER_THREADS: "2",
      WORKER_HTTP_PORT: "0",
      WORKER_HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      ...overrides,
    }),
    async createWorkspace(name = "test") {
      const result = await db.query<{ id: string }>(
        "INSERT INTO workspaces (name) VALUES ($1) RETURNING id",
        [name],
      );
      const id = result.rows[0]?.id;
      if (!id) throw new Error("workspace insert returned nothing");
      return id;
    },
    async insertDocument(input) {
      defaultWorkspace ??= await environment.createWorkspace();
      const workspaceId = input.workspaceId ?? defaultWorkspace;
      const documentId = randomUUID();
      const storageKey = `${workspaceId}/${documentId}/${input.fileName}`;
      if (input.storage) {
        const bytes = typeof input.bytes === "string" ? new TextEncoder().encode(input.bytes) : input.bytes;
        await input.storage.write(storageKey, bytes);
      } else {
        const path = join(storageDir, storageKey);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, input.bytes);
      }
      await db.query(
        `INSERT INTO documents (id, workspace_id, title, file_name, mime_type, storage_key, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          documentId,
          workspaceId,
          input.fileName,
          input.fileName,
          input.mimeType ?? null,
          storageKey,
          input.status ?? "PENDING",
        ],
      );
      return { documentId, workspaceId, storageKey };
    },
    async documentRow(documentId) {
      const result = await db.query<{ status: string; error_message: string | null }>(
        "SELECT status, error_message FROM documents WHERE id = $1",
        [documentId],
      );
      return result.rows[0];
    },
    async enqueue(data, attempts = 3) {
      const options = { attempts, backoff: { type: "fixed", delay: 100 } };
      // A well-formed job goes the way the API sends it, through the producer's fair path (the
      // worker's default); a malformed one is added as it is, as a faulty producer would.
      if (typeof data["workspaceId"] !== "string") {
        return producer.queue.add("process-document", data as DocumentJobData, options);
      }
      const id = await producer.enqueue(data as DocumentJobData, options);
      const job = await producer.queue.getJob(id);
      if (!job) throw new Error(`job ${id} not found right after its enqueue`);
      return job;
    },
    async finished(job, timeoutMs = JOB_TIMEOUT_MS) {
      // QueueEvents reports "failed" for every failed attempt; only the job's state says whether
      // it is final, so each event is checked against it.
      const jobId = job.id ?? "";
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          void producer.queue.getJobState(jobId).then(
            (state) =>
              reject(new Error(`job ${jobId} did not finish within ${timeoutMs} ms (state: ${state})`)),
            () => reject(new Error(`job ${jobId} did not finish within ${timeoutMs} ms`)),
          );
        }, timeoutMs);
        const settle = async () => {
          // State first: a job read before it completed would lack its return value.
          const state = await producer.queue.getJobState(jobId);
          const current = await producer.queue.getJob(jobId);
          if (state === "completed") {
            cleanup();
            resolve({ state: "completed", value: current?.returnvalue });
          } else if (state === "failed") {
            cleanup();
            resolve({ state: "failed", reason: current?.failedReason ?? "" });
          }
        };
        const onEvent = ({ jobId: eventJobId }: { jobId: string }) => {
          if (eventJobId === jobId) void settle().catch(reject);
        };
        const cleanup = () => {
          clearTimeout(timer);
          queueEvents.off("completed", onEvent);
          queueEvents.off("failed", onEvent);
        };
        queueEvents.on("completed", onEvent);
        queueEvents.on("failed", onEvent);
        // The job may have finished before the listeners were attached.
        void settle().catch(reject);
      });
    },
    async close() {
      const step = (what: string, work: Promise<unknown>) =>
        within(work, `the test environment ${label}: ${what}`);
      await step("QueueEvents to close", queueEvents.close());
      eventsConnection.disconnect();
      await step(
        "the queue to be obliterated",
        producer.queue.obliterate({ force: true }).catch(() => undefined),
      );
      await step("the producer to close", producer.close());
      await step("the pg pool to end", db.end());
      await step("the database to be dropped", database.drop());
      await rm(storageDir, { recursive: true, force: true });
    },
  };
  return environment;
}
