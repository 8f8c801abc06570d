/**
 * Rows per second of the persistence path (replaceChunks: multi-row INSERTs of a thousand chunks,
 * in the document's transaction) against the same transaction with one INSERT per row. Same rows,
 * same columns, same parameters (chunkParameters); only the batching differs.
 *
 * Also the server's floor: the same rows copied by one INSERT … SELECT inside PostgreSQL, with no
 * client, no network and no parameter decoding. No way of sending rows can beat it, so
 * floor / one-per-row is the most any batching could gain on this machine and schema.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { chunkParameters, embeddingCast, replaceChunks, type ChunkRow } from "../../src/db/chunk-writer.js";
import type { EmbeddingColumnKind } from "../../src/db/embedding-column.js";
import { SeededRandom } from "../../test/support/seeded-random.js";
import { median } from "./statistics.js";

const JOB_ID = "bench-persistence";

export interface PersistenceResult {
  readonly rows: number;
  readonly batchedRowsPerSecond: number;
  readonly perRowRowsPerSecond: number;
  readonly ratio: number;
  /** INSERT … SELECT of the same rows inside the server. */
  readonly serverFloorRowsPerSecond: number;
  /** serverFloorRowsPerSecond / perRowRowsPerSecond: the ceiling of `ratio`. */
  readonly ceiling: number;
}

function makeRows(count: number, dimension: number): ChunkRow[] {
  const random = new SeededRandom(99);
  return Array.from({ length: count }, (_, index) => {
    const content = Array.from({ length: 150 }, () => `w${random.int(0, 50_000).toString(36)}`).join(" ");
    return {
      index,
      content,
      metadata: {
        page: 1 + Math.floor(index / 3),
        prompt_injection: { flagged: false, risk_score: 0, patterns: [] },
      },
      embedding: Float32Array.from({ length: dimension }, () => random.next() * 2 - 1),
      contentHash: randomUUID(),
      embeddingModel: "hash-v1",
    };
  });
}

async function claimedDocument(db: pg.Pool, workspaceId: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO documents (id, workspace_id, title, status, processing_job_id, processing_started_at)
     VALUES ($1, $2, 'persistence', 'PROCESSING', $3, now())`,
    [id, workspaceId, JOB_ID],
  );
  return id;
}

async function insertRowByRow(
  db: pg.Pool,
  documentId: string,
  columnKind: EmbeddingColumnKind,
  rows: readonly ChunkRow[],
): Promise<void> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    await client.query("DELETE FROM chunks WHERE document_id = $1", [documentId]);
    const cast = embeddingCast(columnKind);
    for (const row of rows) {
      await client.query(
        `INSERT INTO chunks (document_id, chunk_index, content, metadata, embedding, content_hash, embedding_model)
         VALUES ($1, $2, $3, $4, $5::${cast}, $6, $7)`,
        [documentId, ...chunkParameters(columnKind, row)],
      );
    }
    await client.query("UPDATE documents SET status = 'READY', processing_job_id = NULL WHERE id = $1", [
      documentId,
    ]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export async function measureChunkPersistence(
  db: pg.Pool,
  options: { rows: number; dimension: number; repetitions: number; columnKind: EmbeddingColumnKind },
): Promise<PersistenceResult> {
  const rows = makeRows(options.rows, options.dimension);
  const workspace = await db.query<{ id: string }>(
    "INSERT INTO workspaces (name) VALUES ('bench-persist') RETURNING id",
  );
  const workspaceId = workspace.rows[0]?.id ?? "";
  const batched: number[] = [];
  const perRow: number[] = [];
  const floor: number[] = [];
  try {
    // First pair is a warm-up (plans, connections, caches); then the two alternate.
    for (let repetition = 0; repetition <= options.repetitions; repetition += 1) {
      const batchedDocument = await claimedDocument(db, workspaceId);
      const batchedSeconds = await seconds(async () => {
        const outcome = await replaceChunks(db, {
          documentId: batchedDocument,
          jobId: JOB_ID,
          columnKind: options.columnKind,
          chunks: rows,
        });
        if (!outcome.replaced) throw new Error("replaceChunks did not replace the chunks");
      });
      const perRowDocument = await claimedDocument(db, workspaceId);
      const perRowSeconds = await seconds(() => insertRowByRow(db, perRowDocument, options.columnKind, rows));
      const floorDocument = await claimedDocument(db, workspaceId);
      const floorSeconds = await seconds(() =>
        db.query(
          `INSERT INTO chunks (document_id, chunk_index, content, metadata, embedding, content_hash, embedding_model)
           SELECT $1, chunk_index, content, metadata, embedding, content_hash, embedding_model
             FROM chunks WHERE document_id = $2`,
          [floorDocument, batchedDocument],
        ),
      );
      if (repetition === 0) continue;
      batched.push(rows.length / batchedSeconds);
      perRow.push(rows.length / perRowSeconds);
      floor.push(rows.length / floorSeconds);
    }
  } finally {
    await db.query("DELETE FROM workspaces WHERE id = $1", [workspaceId]);
  }
  const batchedRowsPerSecond = median(batched);
  const perRowRowsPerSecond = median(perRow);
  const serverFloorRowsPerSecond = median(floor);
  return {
    rows: options.rows,
    batchedRowsPerSecond,
    perRowRowsPerSecond,
    ratio: batchedRowsPerSecond / perRowRowsPerSecond,
    serverFloorRowsPerSecond,
    ceiling: serverFloorRowsPerSecond / perRowRowsPerSecond,
  };
}
