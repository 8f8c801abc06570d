import { availableParallelism } from "node:os";
import { z } from "zod";
import { LOG_LEVEL_NAMES, pinoLevelOf } from "../logging/logger.js";
import { acceptedBy, flag, integer, matching, milliseconds, reader, text, urlWith } from "./readers.js";
import { parseRedisUrl, REDIS_URL_EXPECTED } from "./redis-connection.js";
import { setting } from "./setting.js";

export const DEFAULT_DATABASE_URL = "postgres://ragworker:ragworker@127.0.0.1:5432/ragworker";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** rag-corp's (Python's) level names or pino's, in any case; read as the pino name. */
const logLevel = reader(
  z
    .string()
    .refine((name) => pinoLevelOf(name) !== undefined)
    .transform((name) => pinoLevelOf(name) ?? name),
  LOG_LEVEL_NAMES,
);

/** The process and what it connects to: queue, database, ops server, pool sizes, logs. */
export const SERVICE_SETTINGS = {
  redisUrl: setting("REDIS_URL", acceptedBy(parseRedisUrl, REDIS_URL_EXPECTED), {
    default: DEFAULT_REDIS_URL,
    describe:
      "the queue; the worker refuses to start when Redis does not answer within 3 s. Sentinel: `redis+sentinel://[:password@]s1:26379,s2:26379/mymaster[/db]` (`?sentinel_password=` for the sentinels'); follows failovers. Cluster: `redis+cluster://[:password@]n1:6379,n2:6379`; queue keys then take the prefix `{ragworker}`",
  }),
  databaseUrl: setting("DATABASE_URL", urlWith(["postgres:", "postgresql:"]), {
    default: DEFAULT_DATABASE_URL,
    describe: "documents and chunks",
  }),
  queueName: setting(
    "DOCUMENT_QUEUE_NAME",
    matching(/^[\w.-]{1,100}$/, "a queue name of letters, digits, '.', '_' or '-'"),
    { default: "documents", describe: "the BullMQ queue the worker takes documents from" },
  ),
  httpHost: setting("WORKER_HTTP_HOST", text("a host name or address"), {
    default: "0.0.0.0",
    describe: "the ops server's address",
  }),
  httpPort: setting("WORKER_HTTP_PORT", integer(0, 65535, "a port"), {
    default: "8001",
    describe: "the ops server's port; `0`: a free port the system picks",
  }),
  threads: setting("WORKER_THREADS", integer(1, 256), {
    default: () => String(availableParallelism()),
    defaultText: "available cores",
    describe: "pool size; the BullMQ concurrency is this plus `WORKER_PREFETCH`",
  }),
  dbPoolMin: setting("DB_POOL_MIN_SIZE", integer(0, 100), {
    default: "1",
    describe: "per-thread pg pool minimum, opened at thread start",
  }),
  dbPoolMax: setting("DB_POOL_MAX_SIZE", integer(1, 100), {
    default: "4",
    describe: "per-thread pg pool maximum; at least `DB_POOL_MIN_SIZE`",
  }),
  dbStatementTimeoutMs: setting("DB_STATEMENT_TIMEOUT_MS", milliseconds(0, 86_400_000), {
    default: "30000",
    describe: "`statement_timeout` on every connection; `0`: none",
  }),
  drainTimeoutMs: setting("DRAIN_TIMEOUT_MS", milliseconds(0, 3_600_000), {
    default: "25000",
    describe: "longest drain after `SIGTERM`",
  }),
  logLevel: setting("LOG_LEVEL", logLevel, {
    default: "INFO",
    describe:
      "rag-corp's names (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`) or pino's (`trace` … `fatal`, `silent`), any case",
  }),
  logJson: setting("LOG_JSON", flag, {
    default: "true",
    describe: "`false`: plain `LEVEL message` lines instead of JSON",
  }),
};
