/**
 * Rows per second of the persistence path (replaceChunks: one binary COPY in the document's
 * transaction) against the same transaction with multi-row INSERTs (replaceChunks' `insert`
 * transfer) and with one INSERT per row. Same rows, same columns.
 *
 * Also the server's floor: the same rows copied by one INSERT … SELECT inside PostgreSQL, with no
 * client, no network and no parameter decoding. replaceChunks / floor is the share of the
 * server's own speed the writer reaches (target ≥ 0.8 for 768 dimensions).
 *
 * measurePersistenceByColumnKind runs it on both kinds of `chunks.embedding`, each in a fresh
 * database: `vector(N)` (pgvector) and `real[]`. Run alone:
 *   node --import tsx bench/measure/chunk-persistence.ts [rows] [repetitions]
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import pg from "pg";
import {
  chunkParameters,
  embeddingCast,
  replaceChunks,
  type ChunkRow,
  type ChunkTransfer,
} from "../../src/db/chunk-writer.js";
import { readEmbeddingColumn, type EmbeddingColumnKind } from "../../src/db/embedding-column.js";
import { migrate } from "../../src/db/migrate.js";
import { migrateWithRealArray } from "../../test/support/real-array-schema.js";
import { SeededRandom } from "../../test/support/seeded-random.js";
import { createTestDatabase } from "../../test/support/services.js";
import { median } from "./statistics.js";

const JOB_ID = "bench-persistence";

/** The share of the server's floor replaceChunks must reach (issue 16). */
export const FLOOR_SHARE_GOAL = 0.8;

export interface PersistenceResult {
  readonly columnKind: EmbeddingColumnKind;
  readonly rows: number;
  readonly dimension: number;
  /** replaceChunks as the pipeline runs it (binary COPY). */
  readonly batchedRowsPerSecond: number;
  /** replaceChunks with multi-row INSERTs (the writer before COPY). */
  readonly insertRowsPerSecond: number;
  readonly perRowRowsPerSecond: number;
  /** batchedRowsPerSecond / perRowRowsPerSecond. */
  readonly ratio: number;
  /** INSERT … SELECT of the same rows inside the server. */
  readonly serverFloorRowsPerSecond: number;
  /** serverFloorRowsPerSecond / perRowRowsPerSecond: the ceiling of `ratio`. */
  readonly ceiling: number;
  /** The median over rounds of each round's COPY rate / floor rate: the target's figure. */
  readonly floorShare: number;
  /** The same for the multi-row INSERTs. */
  readonly insertFloorShare: number;
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
  const rates = {
    copy: [] as number[],
    insert: [] as number[],
    perRow: [] as number[],
    floor: [] as number[],
    // Each round's own COPY / floor and INSERT / floor: a slow moment of a shared machine then
    // weighs on both sides of a round's ratio instead of on one side of a ratio of medians.
    copyShare: [] as number[],
    insertShare: [] as number[],
  };
  const writer = async (transfer: ChunkTransfer): Promise<{ documentId: string; seconds: number }> => {
    const documentId = await claimedDocument(db, workspaceId);
    const took = await seconds(async () => {
      const outcome = await replaceChunks(db, {
        documentId,
        jobId: JOB_ID,
        columnKind: options.columnKind,
        chunks: rows,
        transfer,
      });
      if (!outcome.replaced) throw new Error("replaceChunks did not replace the chunks");
    });
    return { documentId, seconds: took };
  };
  try {
    // The first round is a warm-up (plans, connections, caches); then the four take turns.
    for (let repetition = 0; repetition <= options.repetitions; repetition += 1) {
      const copied = await writer("copy");
      const inserted = await writer("insert");
      const perRowDocument = await claimedDocument(db, workspaceId);
      const perRowSeconds = await seconds(() => insertRowByRow(db, perRowDocument, options.columnKind, rows));
      const floorDocument = await claimedDocument(db, workspaceId);
      const floorSeconds = await seconds(() =>
        db.query(
          `INSERT INTO chunks (document_id, chunk_index, content, metadata, embedding, content_hash, embedding_model)
           SELECT $1, chunk_index, content, metadata, embedding, content_hash, embedding_model
             FROM chunks WHERE document_id = $2`,
          [floorDocument, copied.documentId],
        ),
      );
      if (repetition === 0) continue;
      rates.copy.push(rows.length / copied.seconds);
      rates.insert.push(rows.length / inserted.seconds);
      rates.perRow.push(rows.length / perRowSeconds);
      rates.floor.push(rows.length / floorSeconds);
      rates.copyShare.push(floorSeconds / copied.seconds);
      rates.insertShare.push(floorSeconds / inserted.seconds);
    }
  } finally {
    await db.query("DELETE FROM workspaces WHERE id = $1", [workspaceId]);
  }
  const batchedRowsPerSecond = median(rates.copy);
  const insertRowsPerSecond = median(rates.insert);
  const perRowRowsPerSecond = median(rates.perRow);
  const serverFloorRowsPerSecond = median(rates.floor);
  return {
    columnKind: options.columnKind,
    rows: options.rows,
    dimension: options.dimension,
    batchedRowsPerSecond,
    insertRowsPerSecond,
    perRowRowsPerSecond,
    ratio: batchedRowsPerSecond / perRowRowsPerSecond,
    serverFloorRowsPerSecond,
    ceiling: serverFloorRowsPerSecond / perRowRowsPerSecond,
    floorShare: median(rates.copyShare),
    insertFloorShare: median(rates.insertShare),
  };
}

/** The measurement on a fresh `vector(N)` database and a fresh `real[]` one, in that order. */
export async function measurePersistenceByColumnKind(options: {
  rows: number;
  dimension: number;
  repetitions: number;
}): Promise<PersistenceResult[]> {
  const results: PersistenceResult[] = [];
  for (const columnKind of ["vector", "real[]"] as const) {
    const database = await createTestDatabase(
      `bench_persist_${columnKind === "vector" ? "vector" : "real"}`,
      {
        pgvector: columnKind === "vector",
      },
    );
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      const client = await pool.connect();
      try {
        if (columnKind === "vector") await migrate(client, { embeddingDim: options.dimension });
        else await migrateWithRealArray(client, options.dimension);
        const column = await readEmbeddingColumn(client);
        if (column?.kind !== columnKind)
          throw new Error(`wanted a ${columnKind} column, got ${column?.kind}`);
      } finally {
        client.release();
      }
      results.push(await measureChunkPersistence(pool, { ...options, columnKind }));
    } finally {
      await pool.end();
      await database.drop();
    }
  }
  return results;
}

/** The issue's target rows, one per column kind: replaceChunks / the server's floor ≥ 0.8. */
export function persistenceTargets(
  results: readonly PersistenceResult[],
): Array<{ name: string; goal: string; measured: string; holds: boolean }> {
  return results.map((result) => ({
    name: `chunk rows/s, replaceChunks / server floor (${result.columnKind === "vector" ? `vector(${result.dimension})` : `real[${result.dimension}]`})`,
    goal: `≥ ${FLOOR_SHARE_GOAL}`,
    measured: `${result.floorShare.toFixed(2)} (${result.ratio.toFixed(1)}× one INSERT per row)`,
    holds: result.floorShare >= FLOOR_SHARE_GOAL,
  }));
}

/** One line per column kind, for the bench's log. */
export function describePersistence(result: PersistenceResult): string {
  const rate = (value: number) => `${value.toFixed(0)} rows/s`;
  return (
    `persistence ${result.columnKind}(${result.dimension}): replaceChunks (COPY) ${rate(result.batchedRowsPerSecond)}, ` +
    `multi-row INSERT ${rate(result.insertRowsPerSecond)}, one per row ${rate(result.perRowRowsPerSecond)}, ` +
    `INSERT … SELECT in the server ${rate(result.serverFloorRowsPerSecond)}; ` +
    `COPY ${result.floorShare.toFixed(2)} of the floor (INSERT ${result.insertFloorShare.toFixed(2)})`
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = Number(process.argv[2] ?? 2_000);
  const repetitions = Number(process.argv[3] ?? 4);
  const results = await measurePersistenceByColumnKind({ rows, dimension: 768, repetitions });
  for (const result of results) console.log(describePersistence(result));
  console.table(persistenceTargets(results));
}
