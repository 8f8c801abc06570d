import { Queue, type JobsOptions } from "bullmq";
import { JOB_DEFAULTS } from "../config/job-settings.js";
import { createRedis, queuePrefixOption, type RedisClient } from "../config/redis-connection.js";
import { SERVICE_SETTINGS } from "../config/service-settings.js";
import { defaultOf } from "../config/setting.js";
import { DOCUMENT_JOB_NAME, type DocumentJobData, type DocumentJobResult } from "./document-job.js";

export type DocumentQueue = Queue<DocumentJobData, DocumentJobResult, typeof DOCUMENT_JOB_NAME>;

/**
 * Retries with exponential backoff (1 s, 2 s, 4 s, ...) ride out a database restart or an
 * embedding service hiccup; old jobs are trimmed so Redis does not grow without bound. The
 * attempts are JOB_ATTEMPTS' default.
 */
export const DEFAULT_DOCUMENT_JOB_OPTIONS: JobsOptions = {
  attempts: JOB_DEFAULTS.jobAttempts,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * The API side's handle on the queue. Its connection fails fast while Redis is away (no offline
 * queue) instead of piling commands up in memory.
 */
export class DocumentProducer {
  readonly queue: DocumentQueue;
  private readonly connection: RedisClient;

  constructor(redisUrl: string, queueName = defaultOf(SERVICE_SETTINGS.queueName)) {
    this.connection = createRedis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 3 });
    // Without a listener ioredis prints every reconnect failure; callers see the failed enqueue.
    this.connection.on("error", () => undefined);
    // The worker's prefix (hash-tagged on a Redis Cluster): another prefix would be another queue.
    this.queue = new Queue(queueName, { connection: this.connection, ...queuePrefixOption(redisUrl) });
    // Failures reach the caller through the rejected add(); this keeps them from crashing the process.
    this.queue.on("error", () => undefined);
  }

  enqueue(data: DocumentJobData, options?: JobsOptions): Promise<string> {
    return enqueueDocument(this.queue, data, options);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** Enqueues one document for processing; the API side's half of the queue contract. */
export async function enqueueDocument(
  queue: DocumentQueue,
  data: DocumentJobData,
  options: JobsOptions = {},
): Promise<string> {
  const job = await queue.add(DOCUMENT_JOB_NAME, data, { ...DEFAULT_DOCUMENT_JOB_OPTIONS, ...options });
  if (!job.id) throw new Error("the queue returned a job without an id");
  return job.id;
}
