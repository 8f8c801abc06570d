import { createHash } from "node:crypto";
import pg from "pg";
import { maskUrl } from "../config/mask-url.js";
import type { Queryable } from "../db/queryable.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";

/**
 * The advisory lock key of one queue's reconciler: derived from the queue name, so two queues on
 * one database reconcile independently, and the same in every replica and every release.
 */
export function reconcileLockKey(queueName: string): string {
  const digest = createHash("sha256").update(`ragworker:reconcile:${queueName}`).digest();
  return BigInt.asIntN(64, digest.readBigUInt64BE(0)).toString();
}

export interface LeadershipOptions {
  readonly databaseUrl: string;
  readonly queueName: string;
  /** Bounds every statement of a pass on the server; the client gives up a little later. */
  readonly statementTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * One reconciler at a time per queue: a PostgreSQL session advisory lock, held on a client of its
 * own (a pool would hand the session to other queries and take the lock with it). The leader
 * keeps its client; when its process dies, PostgreSQL ends the session and frees the lock, and
 * another replica takes it at its next try. A follower holds no connection between tries.
 */
export class ReconcileLeadership {
  private readonly lockKey: string;
  private client: pg.Client | null = null;
  /** Set by the client's `error`/`end` events: its session, and so the lock, may be gone. */
  private lost = false;

  constructor(private readonly options: LeadershipOptions) {
    this.lockKey = reconcileLockKey(options.queueName);
  }

  get leading(): boolean {
    return this.client !== null && !this.lost;
  }

  /** The leader's connection, taking the lock if it is free; null when another replica holds it. */
  async acquire(): Promise<Queryable | null> {
    if (this.client && !this.lost) return this.client;
    if (this.client) await this.release();
    const client = this.connectClient();
    try {
      await client.connect();
      const result = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock($1::bigint) AS locked",
        [this.lockKey],
      );
      if (result.rows[0]?.locked !== true) {
        await client.end();
        return null;
      }
    } catch (error) {
      await this.endQuietly(client);
      throw error;
    }
    this.client = client;
    this.lost = false;
    this.options.logger.info(
      { queue: this.options.queueName, lock_key: this.lockKey },
      "reconciler: this replica leads",
    );
    return client;
  }

  /** Ends the session, which frees the lock (no explicit unlock: it could not outlive the session). */
  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    const wasLeading = !this.lost;
    this.lost = false;
    await this.endQuietly(client);
    if (wasLeading) this.options.logger.info({ queue: this.options.queueName }, "reconciler: lock released");
  }

  private connectClient(): pg.Client {
    const { databaseUrl, statementTimeoutMs, logger } = this.options;
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: "ragworker-reconciler",
      connectionTimeoutMillis: 5_000,
      statement_timeout: statementTimeoutMs,
      // The server may never answer (a black-holed network): the client stops waiting too.
      query_timeout: statementTimeoutMs + 5_000,
      // A silently dead network is noticed by the kernel, on both ends: the server then ends the
      // session and frees the lock for another replica.
      keepAlive: true,
    });
    const markLost = (error?: Error) => {
      if (this.client !== client || this.lost) return;
      this.lost = true;
      logger.warn(
        { err: error ? describeError(error) : undefined, database: maskUrl(databaseUrl) },
        "reconciler lost its database connection; not the leader until it reconnects at a later pass",
      );
    };
    // Without an `error` listener a dropped connection would be an uncaught exception.
    client.on("error", markLost);
    client.on("end", () => markLost());
    return client;
  }

  private async endQuietly(client: pg.Client): Promise<void> {
    try {
      await client.end();
    } catch (error) {
      // The connection is already broken, which is why it is being ended; worth a debug line only.
      this.options.logger.debug(
        { err: describeError(error) },
        "reconciler: closing a broken connection failed",
      );
    }
  }
}
