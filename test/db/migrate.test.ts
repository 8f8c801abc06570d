import assert from "node:assert/strict";
import { after, before, describe, it } from "../support/bounded-test.js";

import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import pg from "pg";

import { replaceChunks, type ChunkRow } from "../../src/db/chunk-writer.js";
import { embeddingLiteral, float4ArrayBinary, readEmbeddingColumn } from "../../src/db/embedding-column.js";
import { migrate, type MigrateResult } from "../../src/db/migrate.js";
import { EMBEDDING_DIM_CONSTRAINT, MIGRATIONS, type Migration } from "../../src/db/migrations.js";
import type { Queryable } from "../../src/db/queryable.js";
import { createTestDatabase, type TestDatabase } from "../support/services.js";

/** Not 768 and not 1, so a test cannot pass by reading a default or the wrong number. */
const DIM = 8;

function vectorOf(length: number, seed = 1): Float32Array {
  return Float32Array.from({ length }, (_, i) => ((i + 1) * seed) / 7 - 0.5);
}

/** The PostgreSQL error code of whatever `work` rejected with. */
async function rejectionCode(work: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? code : "<no code>";
  }
  assert.fail("expected the statement to be rejected");
}

async function insertDocument(db: Queryable, status: string | null = "PENDING"): Promise<string> {
  const workspace = await db.query<{ id: string }>("INSERT INTO workspaces (name) VALUES ('w') RETURNING id");
  const document = await db.query<{ id: string }>(
    "INSERT INTO documents (workspace_id, title, status) VALUES ($1, 'doc', $2) RETURNING id",
    [workspace.rows[0]?.id, status],
  );
  const id = document.rows[0]?.id;
  assert.ok(id);
  return id;
}

async function vectorExtensionAvailable(db: Queryable): Promise<boolean> {
  const result = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  return result.rows.length > 0;
}

/** pg_attribute.attstorage of chunks.embedding: "e" external, "x" extended (compressed). */
async function embeddingStorage(db: Queryable): Promise<string | undefined> {
  const result = await db.query<{ attstorage: string }>(
    "SELECT attstorage FROM pg_attribute WHERE attrelid = to_regclass('chunks') AND attname = 'embedding'",
  );
  return result.rows[0]?.attstorage;
}

describe("embeddingLiteral", () => {
  it("writes a pgvector literal in brackets", () => {
    assert.equal(embeddingLiteral("vector", [1, 2.5, -3]), "[1,2.5,-3]");
    assert.equal(embeddingLiteral("vector", []), "[]");
  });

  it("writes a PostgreSQL array literal in braces", () => {
    assert.equal(embeddingLiteral("real[]", [1, 2.5, -3]), "{1,2.5,-3}");
    assert.equal(embeddingLiteral("real[]", []), "{}");
  });

  it("takes a Float32Array and keeps each float32 value exactly", () => {
    const values = Float32Array.from([0.1, -1 / 3, 1e-8]);
    const literal = embeddingLiteral("vector", values);
    const parsed = literal.slice(1, -1).split(",").map(Number);
    assert.deepEqual(parsed.map(Math.fround), Array.from(values));
  });

  it("replaces values neither type can store (NaN, ±Infinity) with 0", () => {
    assert.equal(embeddingLiteral("vector", [Number.NaN, 1, Number.POSITIVE_INFINITY]), "[0,1,0]");
    assert.equal(embeddingLiteral("real[]", [Number.NEGATIVE_INFINITY, 2]), "{0,2}");
  });
});

describe("migrate on PostgreSQL", () => {
  let database: TestDatabase;
  let client: pg.Client;
  let pool: pg.Pool;
  let first: MigrateResult;
  let second: MigrateResult;
  let vectorAvailable: boolean;

  before(async () => {
    database = await createTestDatabase("migrate");
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    vectorAvailable = await vectorExtensionAvailable(client);
    assert.equal(await readEmbeddingColumn(client), null, "a fresh database has no chunks table");
    first = await migrate(client, { embeddingDim: DIM });
    second = await migrate(client, { embeddingDim: DIM });
  });

  after(async () => {
    await pool?.end();
    await client?.end();
    await database?.drop();
  });

  it("applies every migration once, then nothing on a second run", async () => {
    assert.deepEqual(
      first.applied,
      MIGRATIONS.map((migration) => migration.version),
    );
    assert.deepEqual(second.applied, []);
    const recorded = await client.query<{ version: number; name: string }>(
      "SELECT version, name FROM ragworker_migrations ORDER BY version",
    );
    assert.deepEqual(
      recorded.rows,
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
  });

  it("reports pgvector exactly when the server has it", () => {
    assert.equal(first.hasVector, vectorAvailable);
    assert.equal(second.hasVector, vectorAvailable);
  });

  it("commits and leaves the connection outside any transaction, lock released", async () => {
    // In a transaction left open, now() would be its start, earlier than this statement's time.
    const fresh = await client.query<{ fresh: boolean }>("SELECT now() = statement_timestamp() AS fresh");
    assert.equal(fresh.rows[0]?.fresh, true);
    const locks = await client.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
    );
    assert.equal(locks.rows[0]?.n, "0");
  });

  it("creates workspaces, documents and chunks with the contract's columns", async () => {
    const result = await client.query<{ table_name: string; column_name: string; udt_name: string }>(
      `SELECT table_name, column_name, udt_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ('workspaces', 'documents', 'chunks')`,
    );
    const types = new Map(result.rows.map((row) => [`${row.table_name}.${row.column_name}`, row.udt_name]));
    const expected: Record<string, string> = {
      "workspaces.id": "uuid",
      "workspaces.name": "text",
      "documents.id": "uuid",
      "documents.workspace_id": "uuid",
      "documents.title": "text",
      "documents.file_name": "text",
      "documents.mime_type": "text",
      "documents.storage_key": "text",
      "documents.status": "text",
      "documents.error_message": "text",
      "documents.metadata": "jsonb",
      "documents.created_at": "timestamptz",
      "documents.deleted_at": "timestamptz",
      "chunks.id": "uuid",
      "chunks.document_id": "uuid",
      "chunks.chunk_index": "int4",
      "chunks.content": "text",
      "chunks.metadata": "jsonb",
      "chunks.embedding": vectorAvailable ? "vector" : "_float4",
    };
    for (const [column, type] of Object.entries(expected)) {
      assert.equal(types.get(column), type, column);
    }
  });

  it("makes id the primary key and cascades deletes workspace -> documents -> chunks", async () => {
    const keys = await client.query<{ table: string; type: string; definition: string; on_delete: string }>(
      `SELECT conrelid::regclass::text AS table, contype::text AS type,
              pg_get_constraintdef(oid) AS definition, confdeltype::text AS on_delete
         FROM pg_constraint
        WHERE conrelid IN ('workspaces'::regclass, 'documents'::regclass, 'chunks'::regclass)
          AND contype IN ('p', 'f')`,
    );
    for (const table of ["workspaces", "documents", "chunks"]) {
      const primary = keys.rows.find((row) => row.table === table && row.type === "p");
      assert.equal(primary?.definition, "PRIMARY KEY (id)", table);
    }
    const foreign = keys.rows
      .filter((row) => row.type === "f")
      .map((row) => `${row.table} ${row.definition.replace(/\s+/g, " ")} ${row.on_delete}`)
      .sort();
    assert.deepEqual(foreign, [
      "chunks FOREIGN KEY (document_id) REFERENCES documents(id) ON DELETE CASCADE c",
      "documents FOREIGN KEY (workspace_id) REFERENCES workspaces(id) ON DELETE CASCADE c",
    ]);
  });

  it("only accepts the contract's statuses (or NULL)", async () => {
    for (const status of [null, "PENDING", "PROCESSING", "READY", "FAILED"]) {
      await insertDocument(client, status);
    }
    assert.equal(await rejectionCode(() => insertDocument(client, "DONE")), "23514");
  });

  it("readEmbeddingColumn reads the column's kind and dimension", async () => {
    assert.deepEqual(await readEmbeddingColumn(client), {
      kind: vectorAvailable ? "vector" : "real[]",
      dimension: DIM,
    });
  });

  it("keeps the dimension in a CHECK constraint for real[], and none for vector(N)", async () => {
    const check = await client.query<{ definition: string }>(
      "SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = $1",
      [EMBEDDING_DIM_CONSTRAINT],
    );
    if (vectorAvailable) {
      // vector(N) carries the dimension in its type; the CHECK exists only for real[].
      assert.equal(check.rows.length, 0);
    } else {
      assert.match(check.rows[0]?.definition ?? "", new RegExp(`\\b${DIM}\\b`));
    }
  });

  it("stores embeddings out of line without trying to compress them (STORAGE EXTERNAL)", async () => {
    assert.equal(await embeddingStorage(client), "e");
  });

  it("stores an embedding of the right length and rejects a wrong one", async () => {
    const documentId = await insertDocument(client);
    const kind = vectorAvailable ? "vector" : "real[]";
    const insert = (index: number, values: ArrayLike<number>) =>
      client.query(
        `INSERT INTO chunks (document_id, chunk_index, content, embedding) VALUES ($1, $2, 'c', $3::${kind})`,
        [documentId, index, embeddingLiteral(kind, values)],
      );
    await insert(0, vectorOf(DIM));
    for (const length of [DIM - 1, DIM + 1, 1]) {
      const code = await rejectionCode(() => insert(1, vectorOf(length)));
      // real[]: the CHECK constraint (23514); vector(N): pgvector's dimension error (22000).
      assert.equal(code, vectorAvailable ? "22000" : "23514", `length ${length}`);
    }
    const stored = await client.query("SELECT 1 FROM chunks WHERE document_id = $1", [documentId]);
    assert.equal(stored.rows.length, 1);
  });

  it("rejects an empty or multi-dimensional embedding too", async () => {
    const documentId = await insertDocument(client);
    const kind = vectorAvailable ? "vector" : "real[]";
    const pairs = `{${Array.from({ length: DIM }, (_, i) => `{${i},${i}}`).join(",")}}`;
    const bad = vectorAvailable ? ["[]"] : ["{}", pairs];
    for (const [index, literal] of bad.entries()) {
      await assert.rejects(
        client.query(
          `INSERT INTO chunks (document_id, chunk_index, content, embedding) VALUES ($1, $2, 'c', $3::${kind})`,
          [documentId, index, literal],
        ),
        `embedding ${literal} should be rejected`,
      );
    }
  });

  it("writes through chunk-writer's statement and reads the same float32 values back", async () => {
    const column = await readEmbeddingColumn(client);
    assert.ok(column);
    const documentId = await insertDocument(client, "PROCESSING");
    await client.query("UPDATE documents SET processing_job_id = 'job-1' WHERE id = $1", [documentId]);
    const chunks: ChunkRow[] = [0, 1, 2].map((index) => ({
      index,
      content: `chunk ${index}`,
      contentHash: `hash-${index}`,
      embeddingModel: "test-model",
      metadata: { page: index + 1 },
      embedding: vectorOf(DIM, index + 1),
    }));
    const outcome = await replaceChunks(pool, {
      documentId,
      jobId: "job-1",
      columnKind: column.kind,
      chunks,
    });
    assert.deepEqual(outcome, { replaced: true, chunksCreated: 3 });
    const rows = await client.query<{ chunk_index: number; content: string; metadata: unknown; e: string }>(
      "SELECT chunk_index, content, metadata, embedding::text AS e FROM chunks WHERE document_id = $1 ORDER BY 1",
      [documentId],
    );
    assert.equal(rows.rows.length, 3);
    for (const [i, row] of rows.rows.entries()) {
      assert.equal(row.chunk_index, i);
      assert.equal(row.content, `chunk ${i}`);
      assert.deepEqual(row.metadata, { page: i + 1 });
      const values = row.e.slice(1, -1).split(",").map(Number).map(Math.fround);
      assert.deepEqual(values, Array.from(vectorOf(DIM, i + 1)));
    }
  });

  it("float4ArrayBinary is read by PostgreSQL as the same float32 values, non-finite ones as 0", async () => {
    const values = [...vectorOf(DIM, 3), Number.NaN, Number.POSITIVE_INFINITY, -0.125];
    const read = await client.query<{ e: number[] | null; n: number | null }>(
      "SELECT $1::real[] AS e, array_length($1::real[], 1) AS n",
      [float4ArrayBinary(values)],
    );
    assert.equal(read.rows[0]?.n, values.length);
    const expected = values.map((value) => (Number.isFinite(value) ? Math.fround(value) : 0));
    assert.deepEqual(read.rows[0]?.e?.map(Number).map(Math.fround), expected);
    const empty = await client.query<{ e: string }>("SELECT ($1::real[])::text AS e", [
      float4ArrayBinary([]),
    ]);
    assert.equal(empty.rows[0]?.e, "{}");
  });

  it("replaceChunks writes more chunks than one statement holds, all in the one transaction", async () => {
    const column = await readEmbeddingColumn(client);
    assert.ok(column);
    const documentId = await insertDocument(client, "PROCESSING");
    await client.query("UPDATE documents SET processing_job_id = 'job-many' WHERE id = $1", [documentId]);
    const chunks: ChunkRow[] = Array.from({ length: 2_345 }, (_, index) => ({
      index,
      content: `many ${index}`,
      contentHash: `hash-${index}`,
      embeddingModel: "test-model",
      metadata: {},
      embedding: vectorOf(DIM, index + 1),
    }));
    const outcome = await replaceChunks(pool, {
      documentId,
      jobId: "job-many",
      columnKind: column.kind,
      chunks,
    });
    assert.deepEqual(outcome, { replaced: true, chunksCreated: 2_345 });
    const stored = await client.query<{ n: string; first: string; last: string }>(
      `SELECT count(*) AS n, min(content) FILTER (WHERE chunk_index = 0) AS first,
              min(content) FILTER (WHERE chunk_index = 2344) AS last
         FROM chunks WHERE document_id = $1`,
      [documentId],
    );
    assert.deepEqual(stored.rows[0], { n: "2345", first: "many 0", last: "many 2344" });
  });

  it("replaceChunks rejects a wrong-length embedding in a later statement and keeps the old chunks", async () => {
    const column = await readEmbeddingColumn(client);
    assert.ok(column);
    const documentId = await insertDocument(client, "PROCESSING");
    await client.query("UPDATE documents SET processing_job_id = 'job-x' WHERE id = $1", [documentId]);
    const chunk = (index: number, length = DIM): ChunkRow => ({
      index,
      content: `c${index}`,
      contentHash: `h${index}`,
      embeddingModel: "m",
      metadata: {},
      embedding: vectorOf(length),
    });
    await replaceChunks(pool, { documentId, jobId: "job-x", columnKind: column.kind, chunks: [chunk(0)] });
    await client.query(
      "UPDATE documents SET status = 'PROCESSING', processing_job_id = 'job-x' WHERE id = $1",
      [documentId],
    );
    // Row 1,500 is in the second statement: the first one's rows must be rolled back with it.
    const chunks = Array.from({ length: 1_600 }, (_, index) => chunk(index, index === 1_500 ? DIM - 1 : DIM));
    await assert.rejects(
      replaceChunks(pool, { documentId, jobId: "job-x", columnKind: column.kind, chunks }),
    );
    const rows = await client.query<{ content: string }>(
      "SELECT content FROM chunks WHERE document_id = $1",
      [documentId],
    );
    assert.deepEqual(rows.rows, [{ content: "c0" }]);
  });

  it("deleting a document deletes its chunks; deleting a workspace deletes both", async () => {
    const documentId = await insertDocument(client);
    const kind = vectorAvailable ? "vector" : "real[]";
    for (const index of [0, 1]) {
      await client.query(
        `INSERT INTO chunks (document_id, chunk_index, content, embedding) VALUES ($1, $2, 'c', $3::${kind})`,
        [documentId, index, embeddingLiteral(kind, vectorOf(DIM))],
      );
    }
    const count = async () =>
      Number(
        (
          await client.query<{ n: string }>("SELECT count(*) AS n FROM chunks WHERE document_id = $1", [
            documentId,
          ])
        ).rows[0]?.n,
      );
    assert.equal(await count(), 2);
    await client.query("DELETE FROM documents WHERE id = $1", [documentId]);
    assert.equal(await count(), 0);

    const other = await insertDocument(client);
    await client.query(
      `INSERT INTO chunks (document_id, chunk_index, content, embedding) VALUES ($1, 0, 'c', $2::${kind})`,
      [other, embeddingLiteral(kind, vectorOf(DIM))],
    );
    await client.query(
      "DELETE FROM workspaces WHERE id = (SELECT workspace_id FROM documents WHERE id = $1)",
      [other],
    );
    const left = await client.query(
      "SELECT 1 FROM documents WHERE id = $1 UNION ALL SELECT 1 FROM chunks WHERE document_id = $1",
      [other],
    );
    assert.equal(left.rows.length, 0);
  });

  it("rolls a failing migration back whole and leaves the connection usable", async () => {
    const migrations: Migration[] = [
      { version: 1001, name: "probe-ok", statements: () => ["CREATE TABLE migrate_probe (id int)"] },
      {
        version: 1002,
        name: "probe-bad",
        statements: () => ["CREATE TABLE migrate_probe_2 (id int, id int)"],
      },
    ];
    await assert.rejects(migrate(client, { embeddingDim: DIM, migrations }), { code: "42701" });
    const probe = await client.query<{ t: string | null }>("SELECT to_regclass('migrate_probe')::text AS t");
    assert.equal(probe.rows[0]?.t, null, "the first migration of the failed run is rolled back");
    const recorded = await client.query("SELECT 1 FROM ragworker_migrations WHERE version >= 1000");
    assert.equal(recorded.rows.length, 0);
    // The client is out of the aborted transaction: a later run works.
    const retry = await migrate(client, { embeddingDim: DIM, migrations: migrations.slice(0, 1) });
    assert.deepEqual(retry.applied, [1001]);
  });

  it("passes embeddingDim and hasVector to each migration's SQL", async () => {
    const seen: Array<{ embeddingDim: number; hasVector: boolean }> = [];
    const migrations: Migration[] = [
      {
        version: 1100,
        name: "probe-context",
        statements: (context) => {
          seen.push({ ...context });
          return ["SELECT 1"];
        },
      },
    ];
    await migrate(client, { embeddingDim: 123, migrations });
    assert.deepEqual(seen, [{ embeddingDim: 123, hasVector: vectorAvailable }]);
  });
});

describe("migrate from two replicas at once", () => {
  let database: TestDatabase;
  const clients: pg.Client[] = [];

  before(async () => {
    database = await createTestDatabase("migrate_concurrent");
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await database?.drop();
  });

  it("both succeed and the schema is applied once (advisory lock)", async () => {
    for (let i = 0; i < 3; i += 1) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      clients.push(client);
    }
    const results = await Promise.all(clients.map((client) => migrate(client, { embeddingDim: DIM })));
    const applied = results.map((result) => result.applied.length).sort();
    assert.deepEqual(applied, [0, 0, MIGRATIONS.length]);
    const first = clients[0];
    assert.ok(first);
    const recorded = await first.query("SELECT version FROM ragworker_migrations");
    assert.equal(recorded.rows.length, MIGRATIONS.length);
    assert.equal((await readEmbeddingColumn(first))?.dimension, DIM);
  });
});

/**
 * pgvector through PGlite (PostgreSQL in WebAssembly with the extension bundled), since the test
 * PostgreSQL server may not have it.
 */
describe("pgvector path on PGlite", () => {
  let db: PGlite;
  let result: MigrateResult;

  /** The slice of pg.Pool that replaceChunks uses, over PGlite's single connection. */
  function poolOver(target: PGlite): pg.Pool {
    const client = {
      query: (sql: string, params?: unknown[]) => target.query(sql, params),
      release: () => undefined,
    };
    return { connect: async () => client } as unknown as pg.Pool;
  }

  before(async () => {
    db = new PGlite({ extensions: { vector } });
    result = await migrate(db, { embeddingDim: DIM });
  });

  after(async () => {
    await db?.close();
  });

  it("migrate() runs on a PGlite instance passed as it is", async () => {
    const plain = new PGlite({ extensions: { vector } });
    try {
      const direct = await migrate(plain, { embeddingDim: DIM });
      assert.deepEqual(direct.applied, [1, 2, 3, 4]);
      assert.equal(direct.hasVector, true);
    } finally {
      await plain.close();
    }
  });

  it("creates the vector extension and a vector(N) column", async () => {
    assert.equal(result.hasVector, true);
    assert.deepEqual(result.applied, [1, 2, 3, 4]);
    assert.deepEqual(await readEmbeddingColumn(db), { kind: "vector", dimension: DIM });
    const again = await migrate(db, { embeddingDim: DIM });
    assert.deepEqual(again, { applied: [], hasVector: true, schema: "ragworker" });
  });

  it("stores vector embeddings with STORAGE EXTERNAL too", async () => {
    assert.equal(await embeddingStorage(db), "e");
  });

  it("replaceChunks' ::vector insert stores the rows and reads them back", async () => {
    const documentId = await insertDocument(db, "PROCESSING");
    await db.query("UPDATE documents SET processing_job_id = 'job-v' WHERE id = $1", [documentId]);
    const chunks: ChunkRow[] = [0, 1].map((index) => ({
      index,
      content: `vector chunk ${index}`,
      contentHash: `hash-${index}`,
      embeddingModel: "test-model",
      metadata: { heading: `h${index}`, flags: ["x"] },
      embedding: vectorOf(DIM, index + 2),
    }));
    const outcome = await replaceChunks(poolOver(db), {
      documentId,
      jobId: "job-v",
      columnKind: "vector",
      chunks,
      // PGlite cannot COPY FROM STDIN through this stand-in pool: its test is the INSERT path.
      transfer: "insert",
    });
    assert.deepEqual(outcome, { replaced: true, chunksCreated: 2 });

    const rows = await db.query<{ chunk_index: number; content: string; metadata: unknown; e: string }>(
      "SELECT chunk_index, content, metadata, embedding::text AS e FROM chunks WHERE document_id = $1 ORDER BY 1",
      [documentId],
    );
    assert.equal(rows.rows.length, 2);
    for (const [i, row] of rows.rows.entries()) {
      assert.equal(row.chunk_index, i);
      assert.equal(row.content, `vector chunk ${i}`);
      assert.deepEqual(row.metadata, { heading: `h${i}`, flags: ["x"] });
      assert.match(row.e, /^\[.*\]$/);
      const values = row.e.slice(1, -1).split(",").map(Number).map(Math.fround);
      assert.deepEqual(values, Array.from(vectorOf(DIM, i + 2)));
    }
    const status = await db.query<{ status: string; processing_job_id: string | null }>(
      "SELECT status, processing_job_id FROM documents WHERE id = $1",
      [documentId],
    );
    assert.deepEqual(status.rows[0], { status: "READY", processing_job_id: null });
    // pgvector operators work on what was stored.
    const nearest = await db.query<{ chunk_index: number }>(
      "SELECT chunk_index FROM chunks WHERE document_id = $1 ORDER BY embedding <-> $2::vector LIMIT 1",
      [documentId, embeddingLiteral("vector", vectorOf(DIM, 3))],
    );
    assert.equal(nearest.rows[0]?.chunk_index, 1);
  });

  it("rejects a wrong-dimension vector and keeps the old chunks", async () => {
    const documentId = await insertDocument(db, "PROCESSING");
    await db.query("UPDATE documents SET processing_job_id = 'job-w' WHERE id = $1", [documentId]);
    const good: ChunkRow = {
      index: 0,
      content: "old",
      contentHash: "hash-old",
      embeddingModel: "test-model",
      metadata: {},
      embedding: vectorOf(DIM),
    };
    await replaceChunks(poolOver(db), {
      documentId,
      jobId: "job-w",
      columnKind: "vector",
      chunks: [good],
      transfer: "insert",
    });
    await db.query("UPDATE documents SET status = 'PROCESSING', processing_job_id = 'job-w' WHERE id = $1", [
      documentId,
    ]);
    const wrong: ChunkRow[] = [
      {
        index: 0,
        content: "new",
        contentHash: "h0",
        embeddingModel: "m",
        metadata: {},
        embedding: vectorOf(DIM),
      },
      {
        index: 1,
        content: "new",
        contentHash: "h1",
        embeddingModel: "m",
        metadata: {},
        embedding: vectorOf(DIM - 1),
      },
    ];
    await assert.rejects(
      replaceChunks(poolOver(db), {
        documentId,
        jobId: "job-w",
        columnKind: "vector",
        chunks: wrong,
        transfer: "insert",
      }),
      (error: unknown) => {
        assert.equal((error as { code?: unknown }).code, "22000");
        assert.match(String(error), new RegExp(`expected ${DIM} dimensions`));
        return true;
      },
    );
    const rows = await db.query<{ content: string }>("SELECT content FROM chunks WHERE document_id = $1", [
      documentId,
    ]);
    assert.deepEqual(rows.rows, [{ content: "old" }]);
    const direct = await rejectionCode(() =>
      db.query(
        "INSERT INTO chunks (document_id, chunk_index, content, embedding) VALUES ($1, 5, 'c', $2::vector)",
        [documentId, embeddingLiteral("vector", vectorOf(DIM + 1))],
      ),
    );
    assert.equal(direct, "22000");
  });
});
