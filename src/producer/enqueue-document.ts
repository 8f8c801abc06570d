import { Queue, type JobsOptions } from "bullmq";
import { FAIRNESS_DEFAULTS, type FairnessSettings } from "../config/fairness-settings.js";
import { JOB_DEFAULTS } from "../config/job-settings.js";
import { createRedis, queuePrefixOption, type RedisClient } from "../config/redis-connection.js";
import { SERVICE_SETTINGS } from "../config/service-settings.js";
import { defaultOf } from "../config/setting.js";
import { fairPriority } from "../fairness/fair-priority.js";
import { queueConnection } from "../fairness/queue-connection.js";
import { DEFAULT_LANE, type Lane } from "../fairness/lane.js";
import { clearWorkspaceWeight, setWorkspaceWeight, workspaceWeights } from "../fairness/workspace-weights.js";
import { DOCUMENT_JOB_NAME, type DocumentJobData, type DocumentJobResult } from "./document-job.js";

export type DocumentQueue = Queue<DocumentJobData, DocumentJobResult, typeof DOCUMENT_JOB_NAME>;

/** BullMQ's job options, and the lane: `interactive` (the default, a user waiting) or `bulk`. */
export type EnqueueOptions = JobsOptions & { readonly lane?: Lane };

/** How a producer enqueues: the fairness settings, and where a one-time warning goes. */
export interface ProducerOptions {
  readonly fairness?: FairnessSettings;
  /** Told once per queue when fairness runs out of priorities (default: process.emitWarning). */
  readonly warn?: (message: string) => void;
  /** The client the fairness script runs on; the queue's own connection when omitted. */
  readonly redis?: RedisClient;
}

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

  private readonly options: ProducerOptions;

  constructor(
    redisUrl: string,
    queueName = defaultOf(SERVICE_SETTINGS.queueName),
    options: ProducerOptions = {},
  ) {
    this.options = options;
    this.connection = createRedis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 3 });
    // Without a listener ioredis prints every reconnect failure; callers see the failed enqueue.
    this.connection.on("error", () => undefined);
    // The worker's prefix (hash-tagged on a Redis Cluster): another prefix would be another queue.
    this.queue = new Queue(queueName, { connection: this.connection, ...queuePrefixOption(redisUrl) });
    // Failures reach the caller through the rejected add(); this keeps them from crashing the process.
    this.queue.on("error", () => undefined);
  }

  /** One call: the job's fair priority and the add (`options.lane`: `interactive` or `bulk`). */
  enqueue(data: DocumentJobData, options?: EnqueueOptions): Promise<string> {
    return enqueueDocument(this.queue, data, options, { ...this.options, redis: this.connection });
  }

  /** The workspace's share of the worker from its next enqueue on (see workspace-weights.ts). */
  async setWorkspaceWeight(workspaceId: string, weight: number): Promise<void> {
    await this.queue.waitUntilReady();
    await setWorkspaceWeight(this.connection, this.queue, workspaceId, weight);
  }

  /** Back to QUEUE_DEFAULT_WEIGHT from the workspace's next enqueue. */
  async clearWorkspaceWeight(workspaceId: string): Promise<void> {
    await this.queue.waitUntilReady();
    await clearWorkspaceWeight(this.connection, this.queue, workspaceId);
  }

  /** The weights set on this queue, by workspace id (the others have the default). */
  async workspaceWeights(): Promise<Map<string, number>> {
    await this.queue.waitUntilReady();
    return workspaceWeights(this.connection, this.queue);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** Queues that already warned about running out of priorities (once each is enough). */
const warnedQueues = new WeakSet<object>();

/**
 * Enqueues one document for processing; the API side's half of the queue contract. With
 * fairness on (QUEUE_FAIRNESS), the job gets a priority from its workspace's and lane's virtual
 * clock first (fair-priority-script.ts); a priority the caller gives wins. With fairness off it
 * is a plain FIFO add, lanes ignored.
 */
export async function enqueueDocument(
  queue: DocumentQueue,
  data: DocumentJobData,
  options: EnqueueOptions = {},
  producer: ProducerOptions = {},
): Promise<string> {
  const { lane = DEFAULT_LANE, ...jobOptions } = options;
  const fairness = producer.fairness ?? FAIRNESS_DEFAULTS;
  const fair = fairness.enabled && jobOptions.priority === undefined;
  // The queue connects on its own first use; the script must not run ahead of that (no offline queue).
  if (fair) await queue.waitUntilReady();
  const priority = fair
    ? await fairPriority(
        producer.redis ?? queueConnection(queue),
        queue,
        { workspaceId: data.workspaceId, lane },
        fairness,
      )
    : null;
  if (priority?.clamped && !warnedQueues.has(queue)) {
    warnedQueues.add(queue);
    (producer.warn ?? ((message: string) => process.emitWarning(message)))(
      `queue ${queue.name}: the fairness clock passed BullMQ's largest priority; jobs are FIFO until the queue is idle`,
    );
  }
  const job = await queue.add(DOCUMENT_JOB_NAME, data, {
    ...DEFAULT_DOCUMENT_JOB_OPTIONS,
    ...jobOptions,
    ...(priority ? { priority: priority.priority } : {}),
  });
  if (!job.id) throw new Error("the queue returned a job without an id");
  return job.id;
}
