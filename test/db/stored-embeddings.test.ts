/**
 * findStoredEmbeddings against a real schema: found only for the same workspace and model, one
 * vector per content hash however many rows share it, and read back as the stored float32 values.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "../support/bounded-test.js";
import pg from "pg";
import { replaceChunks } from "../../src/db/chunk-writer.js";
import { readEmbeddingColumn } from "../../src/db/embedding-column.js";
import { migrate } from "../../src/db/migrate.js";
import { findStoredEmbeddings, parseEmbeddingText } from "../../src/db/stored-embeddings.js";
import { createTestDatabase, type TestDatabase } from "../support/services.js";

const DIM = 4;

describe("findStoredEmbeddings", () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let workspaceA: string;
  let workspaceB: string;

  const storeDocument = async (
    workspaceId: string,
    chunks: Array<[hash: string, model: string, vector: number[]]>,
  ) => {
    const documentId = randomUUID();
    await pool.query(
      `INSERT INTO documents (id, workspace_id, title, status, processing_job_id)
       VALUES ($1, $2, 'stored', 'PROCESSING', 'job')`,
      [documentId, workspaceId],
    );
    const outcome = await replaceChunks(pool, {
      documentId,
      jobId: "job",
      // The column's real kind: COPY sends each embedding in that type's binary form.
      columnKind: (await readEmbeddingColumn(pool))?.kind ?? "real[]",
      chunks: chunks.map(([contentHash, embeddingModel, vector], index) => ({
        index,
        content: `chunk ${index}`,
        metadata: {},
        embedding: Float32Array.from(vector),
        contentHash,
        embeddingModel,
      })),
    });
    assert.equal(outcome.replaced, true);
  };

  before(async () => {
    database = await createTestDatabase("stored-embeddings");
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const client = await pool.connect();
    try {
      await migrate(client, { embeddingDim: DIM });
    } finally {
      client.release();
    }
    const insertWorkspace = async (name: string) =>
      (await pool.query<{ id: string }>("INSERT INTO workspaces (name) VALUES ($1) RETURNING id", [name]))
        .rows[0]?.id ?? "";
    workspaceA = await insertWorkspace("a");
    workspaceB = await insertWorkspace("b");
    await storeDocument(workspaceA, [
      ["h1", "model-1", [0.5, 0.25, -1, 2]],
      ["h2", "model-1", [1, 1, 1, 1]],
      ["h3", "model-2", [3, 3, 3, 3]],
    ]);
    // The same content again in a second document: still one vector for h1.
    await storeDocument(workspaceA, [["h1", "model-1", [0.5, 0.25, -1, 2]]]);
    await storeDocument(workspaceB, [["h4", "model-1", [4, 4, 4, 4]]]);
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
  });

  const lookup = (workspaceId: string, model: string, contentHashes: string[]) =>
    findStoredEmbeddings(pool, { workspaceId, model, dimension: DIM, contentHashes });

  test("finds the stored vectors of the same workspace and model, one per hash", async () => {
    const found = await lookup(workspaceA, "model-1", ["h1", "h2", "h1", "missing"]);
    assert.deepEqual([...found.keys()].sort(), ["h1", "h2"]);
    assert.deepEqual(Array.from(found.get("h1") ?? []), [0.5, 0.25, -1, 2]);
    assert.deepEqual(Array.from(found.get("h2") ?? []), [1, 1, 1, 1]);
  });

  test("never returns another workspace's or another model's vectors", async () => {
    assert.equal((await lookup(workspaceA, "model-1", ["h3", "h4"])).size, 0);
    assert.equal((await lookup(workspaceB, "model-1", ["h1", "h2"])).size, 0);
    assert.deepEqual([...(await lookup(workspaceA, "model-2", ["h1", "h3"])).keys()], ["h3"]);
  });

  test("an empty list asks nothing and finds nothing", async () => {
    assert.equal((await lookup(workspaceA, "model-1", [])).size, 0);
  });

  test("parseEmbeddingText reads both array and vector literals", () => {
    assert.deepEqual(Array.from(parseEmbeddingText("{1,-0.5}")), [1, -0.5]);
    assert.deepEqual(Array.from(parseEmbeddingText("[2,3]")), [2, 3]);
    assert.equal(parseEmbeddingText("{}").length, 0);
  });
});
