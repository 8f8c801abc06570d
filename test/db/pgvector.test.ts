/**
 * The `vector(N)` path against the real PostgreSQL server (pgvector, as rag-corp runs it): the
 * schema, chunk-writer's inserts with an HNSW cosine index in place, and a nearest-neighbour
 * search that uses that index. And the `real[]` fallback, in a database without the extension.
 *
 * `scripts/services.sh up` installs pgvector and creates it in template1, so test databases have
 * it (creating it needs a superuser); a database made from template0 does not (the fallback).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "../support/bounded-test.js";

import pg from "pg";

import { replaceChunks, type ChunkRow } from "../../src/db/chunk-writer.js";
import { embeddingLiteral, readEmbeddingColumn } from "../../src/db/embedding-column.js";
import { migrate, type MigrateResult } from "../../src/db/migrate.js";
import { EMBEDDING_DIM_CONSTRAINT } from "../../src/db/migrations.js";
import { assertVectorUsable } from "../support/rag-corp-database.js";
import { claimedDocument } from "../support/claimed-document.js";
import { SeededRandom } from "../support/seeded-random.js";
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from "../support/services.js";

/** Small enough to read in a failure message, not a default anyone would pick by accident. */
const DIM = 24;
const CHUNKS = 300;
const HNSW_INDEX = "chunks_embedding_hnsw_test";

function randomVectors(count: number, seed: number): Float32Array[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: DIM }, () => random.next() * 2 - 1));
}

function chunkRows(vectors: readonly Float32Array[]): ChunkRow[] {
  return vectors.map((embedding, index) => ({
    index,
    content: `chunk number ${index}`,
    contentHash: `hash-${index}`,
    embeddingModel: "test-model",
    metadata: { n: index },
    embedding,
  }));
}

/** All node types of an EXPLAIN (FORMAT JSON) plan with the index each one uses. */
function planNodes(plan: unknown): Array<{ type: string; index?: string }> {
  const nodes: Array<{ type: string; index?: string }> = [];
  const visit = (node: unknown) => {
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record["Node Type"] === "string") {
      const index = record["Index Name"];
      nodes.push({ type: record["Node Type"], ...(typeof index === "string" ? { index } : {}) });
    }
    for (const value of Object.values(record)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (typeof value === "object") visit(value);
    }
  };
  visit(plan);
  return nodes;
}

/**
 * A LOGIN role without superuser rights that owns `database` (so it may create tables in its
 * public schema), and the database's URL as that role. `admin` must be a superuser.
 */
async function createPlainOwner(
  admin: pg.Client,
  database: TestDatabase,
): Promise<{ url: string; drop(): Promise<void> }> {
  const role = `rw_plain_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const password = randomUUID();
  await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER PASSWORD '${password}'`);
  await admin.query(`ALTER DATABASE ${database.name} OWNER TO ${role}`);
  const url = new URL(database.url);
  url.username = role;
  url.password = password;
  return {
    url: url.toString(),
    // After the database is dropped: a role that owns a database cannot be dropped.
    async drop() {
      const cleanup = new pg.Client({ connectionString: adminDatabaseUrl() });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP ROLE IF EXISTS ${role}`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

async function isSuperuser(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ rolsuper: boolean }>(
    "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
  );
  return result.rows[0]?.rolsuper === true;
}

describe("pgvector on the PostgreSQL server", () => {
  let database: TestDatabase;
  let client: pg.Client;
  let pool: pg.Pool;
  let migrated: MigrateResult;

  before(async () => {
    database = await createTestDatabase("pgvector");
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    // Without pgvector the whole suite would quietly test real[] twice: say what is missing.
    await assertVectorUsable(client);
    migrated = await migrate(client, { embeddingDim: DIM });
  });

  after(async () => {
    await pool?.end();
    await client?.end();
    await database?.drop();
  });

  it("migrate makes chunks.embedding a vector(N) column, without the real[] CHECK", async () => {
    assert.equal(migrated.hasVector, true);
    const type = await client.query<{ type: string; not_null: boolean }>(
      `SELECT format_type(atttypid, atttypmod) AS type, attnotnull AS not_null FROM pg_attribute
        WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'`,
    );
    assert.deepEqual(type.rows[0], { type: `vector(${DIM})`, not_null: true });
    assert.deepEqual(await readEmbeddingColumn(client), { kind: "vector", dimension: DIM });
    const check = await client.query("SELECT 1 FROM pg_constraint WHERE conname = $1", [
      EMBEDDING_DIM_CONSTRAINT,
    ]);
    assert.equal(check.rows.length, 0);
  });

  it("replaceChunks writes through an HNSW cosine index, and a cosine search uses it and finds the chunk", async () => {
    // rag-corp's index on its chunks: hnsw, vector_cosine_ops, m=16, ef_construction=64. Made
    // before the rows go in, so chunk-writer's inserts maintain it, as on rag-corp's database.
    await client.query(
      `CREATE INDEX ${HNSW_INDEX} ON chunks USING hnsw (embedding vector_cosine_ops)
         WITH (m = 16, ef_construction = 64)`,
    );
    const vectors = randomVectors(CHUNKS, 13);
    const documentId = await claimedDocument(client, "job-hnsw");
    const outcome = await replaceChunks(pool, {
      documentId,
      jobId: "job-hnsw",
      columnKind: "vector",
      chunks: chunkRows(vectors),
    });
    assert.deepEqual(outcome, { replaced: true, chunksCreated: CHUNKS });
    await client.query("ANALYZE chunks");

    // The query: chunk 137's vector, scaled and slightly moved (cosine ignores the scale).
    const target = 137;
    const query = Float32Array.from(
      vectors[target] ?? [],
      (value, i) => value * 3 + (i % 2 === 0 ? 0.01 : -0.01),
    );
    const literal = embeddingLiteral("vector", query);
    const search = `SELECT chunk_index, content, embedding <=> '${literal}'::vector AS distance
                      FROM chunks ORDER BY embedding <=> '${literal}'::vector LIMIT 5`;

    await client.query("BEGIN");
    try {
      await client.query("SET LOCAL enable_seqscan = off");
      const explained = await client.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${search}`);
      const nodes = planNodes(explained.rows[0]?.["QUERY PLAN"]);
      assert.ok(
        nodes.some((node) => node.type === "Index Scan" && node.index === HNSW_INDEX),
        `the plan uses ${HNSW_INDEX}: ${JSON.stringify(nodes)}`,
      );
      assert.ok(!nodes.some((node) => node.type === "Sort"), "the index gives the order, no Sort");

      const found = await client.query<{ chunk_index: number; content: string; distance: number }>(search);
      assert.equal(found.rows.length, 5);
      assert.equal(found.rows[0]?.chunk_index, target);
      assert.equal(found.rows[0]?.content, `chunk number ${target}`);
      assert.ok((found.rows[0]?.distance ?? 1) < 0.001, `cosine distance ${found.rows[0]?.distance}`);
      const distances = found.rows.map((row) => row.distance);
      assert.deepEqual(
        distances,
        [...distances].sort((a, b) => a - b),
        "nearest first",
      );
    } finally {
      await client.query("ROLLBACK");
    }
  });

  it("replaceChunks replaces the rows under the index and the search finds the new ones", async () => {
    const documentId = await claimedDocument(client, "job-replace");
    const first = randomVectors(20, 21);
    await replaceChunks(pool, {
      documentId,
      jobId: "job-replace",
      columnKind: "vector",
      chunks: chunkRows(first),
    });
    await client.query(
      "UPDATE documents SET status = 'PROCESSING', processing_job_id = 'job-replace' WHERE id = $1",
      [documentId],
    );
    const second = randomVectors(20, 22);
    await replaceChunks(pool, {
      documentId,
      jobId: "job-replace",
      columnKind: "vector",
      chunks: chunkRows(second),
    });

    const nearest = async (vector: Float32Array) => {
      const result = await client.query<{ document_id: string; distance: number }>(
        `SELECT document_id, embedding <=> $1::vector AS distance FROM chunks
          ORDER BY embedding <=> $1::vector LIMIT 1`,
        [embeddingLiteral("vector", vector)],
      );
      return result.rows[0];
    };
    const fresh = await nearest(second[5] ?? new Float32Array(DIM));
    assert.equal(fresh?.document_id, documentId);
    assert.ok((fresh?.distance ?? 1) < 1e-6);
    // The first write's vectors are gone with their rows (no exact match left for them).
    const stale = await nearest(first[5] ?? new Float32Array(DIM));
    assert.ok((stale?.distance ?? 0) > 1e-3, `distance ${stale?.distance}`);
  });

  it("rejects a vector of the wrong dimension", async () => {
    const documentId = await claimedDocument(client, "job-wrong");
    const chunks = chunkRows(randomVectors(2, 5)).map((chunk, index) =>
      index === 1 ? { ...chunk, embedding: new Float32Array(DIM - 1) } : chunk,
    );
    await assert.rejects(
      replaceChunks(pool, { documentId, jobId: "job-wrong", columnKind: "vector", chunks }),
      { code: "22000" },
    );
  });
});

describe("real[] fallback in a database without pgvector", () => {
  let database: TestDatabase;
  let client: pg.Client;
  let pool: pg.Pool;
  let plainRole: { url: string; drop(): Promise<void> } | undefined;

  before(async () => {
    // template0: no `vector` extension, and a role that is not a superuser cannot create it.
    database = await createTestDatabase("pgvector_absent", { pgvector: false });
    let url = database.url;
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    try {
      // A superuser could create the extension anywhere: migrate as a plain role instead.
      if (await isSuperuser(probe)) {
        plainRole = await createPlainOwner(probe, database);
        url = plainRole.url;
      }
    } finally {
      await probe.end();
    }
    client = new pg.Client({ connectionString: url });
    await client.connect();
    pool = new pg.Pool({ connectionString: url, max: 2 });
  });

  after(async () => {
    await pool?.end();
    await client?.end();
    await database?.drop();
    await plainRole?.drop();
  });

  it("migrate falls back to real[] with a dimension CHECK, and chunk-writer's rows read back", async () => {
    assert.equal(await isSuperuser(client), false, "migrating as a role that cannot create the extension");
    const extension = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
    assert.equal(extension.rows.length, 0, "a template0 database has no vector extension");

    const result = await migrate(client, { embeddingDim: DIM });
    assert.equal(result.hasVector, false);
    assert.deepEqual(await readEmbeddingColumn(client), { kind: "real[]", dimension: DIM });
    const check = await client.query("SELECT 1 FROM pg_constraint WHERE conname = $1", [
      EMBEDDING_DIM_CONSTRAINT,
    ]);
    assert.equal(check.rows.length, 1);

    const vectors = randomVectors(3, 7);
    const documentId = await claimedDocument(client, "job-array");
    const outcome = await replaceChunks(pool, {
      documentId,
      jobId: "job-array",
      columnKind: "real[]",
      chunks: chunkRows(vectors),
    });
    assert.deepEqual(outcome, { replaced: true, chunksCreated: 3 });
    const rows = await client.query<{ chunk_index: number; embedding: number[] }>(
      "SELECT chunk_index, embedding FROM chunks WHERE document_id = $1 ORDER BY chunk_index",
      [documentId],
    );
    assert.deepEqual(
      // float4 values print in their shortest form: compare as float32.
      rows.rows.map((row) => row.embedding.map((value) => Math.fround(Number(value)))),
      vectors.map((vector) => Array.from(vector)),
    );

    const wrong = await claimedDocument(client, "job-array-wrong");
    await assert.rejects(
      replaceChunks(pool, {
        documentId: wrong,
        jobId: "job-array-wrong",
        columnKind: "real[]",
        chunks: chunkRows([new Float32Array(DIM + 1)]),
      }),
      { code: "23514" },
    );
  });
});
