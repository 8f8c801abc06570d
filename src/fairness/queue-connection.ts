import type { Queue } from "bullmq";
import { Cluster, Redis } from "ioredis";
import type { RedisClient } from "../config/redis-connection.js";

/**
 * The ioredis client a queue was built on (DocumentProducer, the worker and `ragworker ingest`
 * all hand BullMQ their own). BullMQ 6 hides its own clients behind a backend interface, so a
 * queue built from connection options has none to lend: the caller must pass one.
 */
export function queueConnection(queue: Queue): RedisClient {
  const connection: unknown = queue.opts.connection;
  if (connection instanceof Redis || connection instanceof Cluster) return connection;
  throw new TypeError(
    `queue ${queue.name} was not built on an ioredis client: pass one (ProducerOptions.redis) for the fairness script`,
  );
}
