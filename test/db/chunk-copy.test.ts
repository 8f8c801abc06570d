/**
 * replaceChunks' binary COPY on the real PostgreSQL server, on both kinds of `chunks.embedding`:
 * every value read back exactly (embeddings bit for bit as float32), rows spanning several of the
 * stream's pieces, a failure mid-stream rolling the whole replacement back. And the encoder's
 * bytes against PostgreSQL's binary COPY format.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "../support/bounded-test.js";

import pg from "pg";

import { replaceChunks, type ChunkRow } from "../../src/db/chunk-writer.js";
import {
  COPY_BINARY_HEADER,
  COPY_BINARY_TRAILER,
  CopyBinaryWriter,
  encodedField,
  InvalidUuidError,
} from "../../src/db/copy-binary-writer.js";
import { readEmbeddingColumn, type EmbeddingColumnKind } from "../../src/db/embedding-column.js";
import { migrate } from "../../src/db/migrate.js";
import { assertVectorUsable } from "../support/rag-corp-database.js";
import { migrateWithRealArray } from "../support/real-array-schema.js";
import { claimedDocument } from "../support/claimed-document.js";
import { SeededRandom } from "../support/seeded-random.js";
import { createTestDatabase, type TestDatabase } from "../support/services.js";

/** Not a default anyone would pick; small enough that 2,345 rows stay quick. */
const DIM = 20;

/** Values at float32's edges: each must come back with the same bits. */
const EDGE_VALUES = [
  0,
  -0,
  1,
  -1,
  Math.fround(0.1),
  Math.fround(-1 / 3),
  1.401298464324817e-45, // the smallest subnormal
  1.1754943508222875e-38, // the smallest normal
  3.4028234663852886e38, // the largest float32
  -3.4028234663852886e38,
  Math.fround(Math.PI),
  Math.fround(1e-8),
];

const CONTENTS = [
  "",
  "plain ascii",
  "héllo wörld — ñandú, ça va?",
  "日本語のテキスト、中文文本",
  "emoji 😀👍🏽 and a flag 🇪🇸",
  "combining e\u0301 and zero-width\u200bjoiner\u200d",
  "עברית ومعها العربية",
  "tabs\tnew\nlines\r\nand \\backslashes\\ \"quotes\" 'single'",
  "copy's own escapes as text: \\N \\. \\t",
  "x".repeat(5_000),
];

function vectorFor(index: number, random: SeededRandom): Float32Array {
  return Float32Array.from({ length: DIM }, (_, position) =>
    position < EDGE_VALUES.length && index % 7 === 0
      ? (EDGE_VALUES[position] ?? 0)
      : Math.fround(random.next() * 2 - 1),
  );
}

function chunkRows(count: number, seed: number): ChunkRow[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, index) => ({
    index,
    content: `${CONTENTS[index % CONTENTS.length] ?? ""} #${index}`,
    metadata: {
      page: index + 1,
      heading: CONTENTS[(index + 3) % CONTENTS.length],
      nested: { flags: [true, false, null], ratio: index / 3, "clé ünicode": "値" },
    },
    embedding: vectorFor(index, random),
    contentHash: `hash-${index}-${randomUUID()}`,
    embeddingModel: index % 2 === 0 ? "model-a" : "modèle-b",
  }));
}

/** float32 big-endian bytes, as float4send gives them. */
function float32Hex(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, position) => bytes.writeFloatBE(value, position * 4));
  return bytes.toString("hex");
}

interface StoredChunk {
  chunk_index: number;
  content: string;
  metadata: unknown;
  bits: string;
  content_hash: string;
  embedding_model: string;
}

async function storedChunks(client: pg.Client, documentId: string): Promise<StoredChunk[]> {
  // float4send of each element: the stored bits, with no decimal printing in between.
  const result = await client.query<StoredChunk>(
    `SELECT c.chunk_index, c.content, c.metadata, c.content_hash, c.embedding_model,
            (SELECT encode(string_agg(float4send(v), ''::bytea ORDER BY o), 'hex')
               FROM unnest(c.embedding::real[]) WITH ORDINALITY AS u(v, o)) AS bits
       FROM chunks c WHERE c.document_id = $1 ORDER BY c.chunk_index`,
    [documentId],
  );
  return result.rows;
}

function assertStoredExactly(stored: readonly StoredChunk[], chunks: readonly ChunkRow[]): void {
  assert.equal(stored.length, chunks.length);
  for (const [position, chunk] of chunks.entries()) {
    const row = stored[position];
    assert.ok(row);
    assert.equal(row.chunk_index, chunk.index);
    assert.equal(row.content, chunk.content, `content of row ${position}`);
    assert.deepStrictEqual(row.metadata, chunk.metadata, `metadata of row ${position}`);
    assert.equal(row.bits, float32Hex(Float32Array.from(chunk.embedding)), `embedding of row ${position}`);
    assert.equal(row.content_hash, chunk.contentHash);
    assert.equal(row.embedding_model, chunk.embeddingModel);
  }
}

describe("CopyBinaryWriter", () => {
  it("frames a stream as PostgreSQL's binary COPY format does", () => {
    assert.equal(COPY_BINARY_HEADER.toString("hex"), "5047434f50590aff0d0a00" + "00000000" + "00000000");
    assert.equal(COPY_BINARY_TRAILER.toString("hex"), "ffff");
  });

  it("writes each field as its length and its type's binary form", () => {
    const writer = new CopyBinaryWriter(8);
    writer
      .row(5)
      .int4(-2)
      .text("é")
      .jsonb('{"a":1}')
      .uuid("0123ABCD-4567-89ab-cdef-0123456789AB")
      .embedding("vector", [1.5, Number.NaN]);
    const bytes = writer.take();
    assert.equal(
      bytes.toString("hex"),
      [
        "0005",
        "00000004fffffffe",
        "00000002c3a9",
        "0000000801" + Buffer.from('{"a":1}').toString("hex"),
        "00000010" + "0123abcd456789abcdef0123456789ab",
        "0000000c" + "00020000" + "3fc00000" + "00000000",
      ].join(""),
    );
    assert.equal(writer.pending, 0, "take() empties the writer");
    const array = writer.embedding("real[]", [2]).take();
    assert.equal(
      array.toString("hex"),
      "0000001c" + "00000001" + "00000000" + "000002bc" + "00000001" + "00000001" + "00000004" + "40000000",
    );
  });

  it("draws random version-4 uuids, each one new, and copies a field encoded once", () => {
    const writer = new CopyBinaryWriter(16);
    const seen = new Set<string>();
    // More than one 4 KB draw of random bytes.
    for (let draw = 0; draw < 600; draw += 1) {
      const field = writer.randomUuid().take();
      assert.equal(field.readInt32BE(0), 16);
      const hex = field.subarray(4).toString("hex");
      assert.match(hex, /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
      seen.add(hex);
    }
    assert.equal(seen.size, 600);
    const documentField = encodedField((field) => field.uuid("0123abcd-4567-89ab-cdef-0123456789ab"));
    assert.equal(
      writer.encoded(documentField).encoded(documentField).take().toString("hex"),
      documentField.toString("hex").repeat(2),
    );
  });

  it("refuses a document id that is not a uuid, before anything reaches the server", () => {
    assert.throws(() => new CopyBinaryWriter().uuid("not-a-uuid"), InvalidUuidError);
  });
});

for (const columnKind of ["vector", "real[]"] as const satisfies readonly EmbeddingColumnKind[]) {
  describe(`replaceChunks by binary COPY into a ${columnKind} column`, () => {
    let database: TestDatabase;
    let client: pg.Client;
    let pool: pg.Pool;

    before(async () => {
      database = await createTestDatabase(`chunk_copy_${columnKind === "vector" ? "vector" : "real"}`, {
        pgvector: columnKind === "vector",
      });
      client = new pg.Client({ connectionString: database.url });
      await client.connect();
      if (columnKind === "vector") {
        await assertVectorUsable(client);
        await migrate(client, { embeddingDim: DIM });
      } else {
        await migrateWithRealArray(client, DIM);
      }
      assert.deepEqual(await readEmbeddingColumn(client), { kind: columnKind, dimension: DIM });
      // One connection: the failure tests then show that the same connection works afterwards.
      pool = new pg.Pool({ connectionString: database.url, max: 1 });
    });

    after(async () => {
      await pool?.end();
      await client?.end();
      await database?.drop();
    });

    /** A document holding `chunks`, then claimed by `jobId` again, as a retry finds it. */
    async function writtenAndClaimedAgain(jobId: string, chunks: readonly ChunkRow[]): Promise<string> {
      const documentId = await claimedDocument(client, jobId);
      await replaceChunks(pool, { documentId, jobId, columnKind, chunks });
      await client.query("UPDATE documents SET status = 'PROCESSING', processing_job_id = $2 WHERE id = $1", [
        documentId,
        jobId,
      ]);
      return documentId;
    }

    /** After a failed COPY, the pool's only connection writes a retry of the same job. */
    async function retryGoesThrough(documentId: string, jobId: string): Promise<void> {
      const retry = chunkRows(5, 6);
      const outcome = await replaceChunks(pool, { documentId, jobId, columnKind, chunks: retry });
      assert.deepEqual(outcome, { replaced: true, chunksCreated: 5 });
      assertStoredExactly(await storedChunks(client, documentId), retry);
    }

    it("stores 2,345 rows, spanning several pieces of the stream, exactly as given", async () => {
      const documentId = await claimedDocument(client, "job-many");
      const chunks = chunkRows(2_345, 5);
      const outcome = await replaceChunks(pool, { documentId, jobId: "job-many", columnKind, chunks });
      assert.deepEqual(outcome, { replaced: true, chunksCreated: 2_345 });
      assertStoredExactly(await storedChunks(client, documentId), chunks);
      const ids = await client.query(
        `SELECT count(DISTINCT id)::int AS distinct_ids,
                bool_and(id::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$') AS v4
           FROM chunks WHERE document_id = $1`,
        [documentId],
      );
      assert.deepEqual(ids.rows[0], { distinct_ids: 2_345, v4: true });
      const status = await client.query("SELECT status, processing_job_id FROM documents WHERE id = $1", [
        documentId,
      ]);
      assert.deepEqual(status.rows[0], { status: "READY", processing_job_id: null });
    });

    it("writes NaN and ±Infinity as 0, as the INSERT path does", async () => {
      const documentId = await claimedDocument(client, "job-nan");
      const embedding = Float32Array.from({ length: DIM }, (_, position) => position + 0.5);
      embedding[1] = Number.NaN;
      embedding[2] = Number.POSITIVE_INFINITY;
      embedding[3] = Number.NEGATIVE_INFINITY;
      const chunk: ChunkRow = { ...(chunkRows(1, 9)[0] as ChunkRow), embedding };
      await replaceChunks(pool, { documentId, jobId: "job-nan", columnKind, chunks: [chunk] });
      const expected = Float32Array.from(embedding, (value) => (Number.isFinite(value) ? value : 0));
      assertStoredExactly(await storedChunks(client, documentId), [{ ...chunk, embedding: expected }]);
    });

    it("replaces the old rows, and an empty list leaves none", async () => {
      const documentId = await claimedDocument(client, "job-r");
      await replaceChunks(pool, { documentId, jobId: "job-r", columnKind, chunks: chunkRows(30, 1) });
      await client.query(
        "UPDATE documents SET status = 'PROCESSING', processing_job_id = 'job-r' WHERE id = $1",
        [documentId],
      );
      const second = chunkRows(12, 2);
      await replaceChunks(pool, { documentId, jobId: "job-r", columnKind, chunks: second });
      assertStoredExactly(await storedChunks(client, documentId), second);
      await client.query(
        "UPDATE documents SET status = 'PROCESSING', processing_job_id = 'job-r' WHERE id = $1",
        [documentId],
      );
      const outcome = await replaceChunks(pool, { documentId, jobId: "job-r", columnKind, chunks: [] });
      assert.deepEqual(outcome, { replaced: true, chunksCreated: 0 });
      assert.deepEqual(await storedChunks(client, documentId), []);
    });

    it("a wrong dimension late in the stream fails the whole replacement; the connection works on", async () => {
      const old = chunkRows(3, 3);
      const documentId = await writtenAndClaimedAgain("job-bad", old);
      const chunks = chunkRows(2_000, 4);
      const last = chunks[1_999] as ChunkRow;
      chunks[1_999] = {
        ...last,
        embedding: last.embedding instanceof Float32Array ? last.embedding.subarray(1) : [],
      };
      await assert.rejects(
        replaceChunks(pool, { documentId, jobId: "job-bad", columnKind, chunks }),
        // pgvector's dimension check (22000), or the real[] column's CHECK (23514).
        { code: columnKind === "vector" ? "22000" : "23514" },
      );
      assertStoredExactly(await storedChunks(client, documentId), old);
      const status = await client.query("SELECT status FROM documents WHERE id = $1", [documentId]);
      assert.equal(status.rows[0]?.status, "PROCESSING");
      await retryGoesThrough(documentId, "job-bad");
    });

    it("an error while encoding mid-stream cancels the COPY and keeps the old rows; the connection works on", async () => {
      const old = chunkRows(2, 11);
      const documentId = await writtenAndClaimedAgain("job-enc", old);
      const chunks = chunkRows(1_500, 12);
      // JSON.stringify refuses a BigInt: thrown by the encoder after the first pieces went out.
      chunks[1_400] = { ...(chunks[1_400] as ChunkRow), metadata: { size: 1n } };
      await assert.rejects(
        replaceChunks(pool, { documentId, jobId: "job-enc", columnKind, chunks }),
        TypeError,
      );
      assertStoredExactly(await storedChunks(client, documentId), old);
      await retryGoesThrough(documentId, "job-enc");
    });

    it("a duplicate chunk index fails the COPY on the unique index and keeps the old rows", async () => {
      const old = chunkRows(2, 7);
      const documentId = await writtenAndClaimedAgain("job-dup", old);
      const chunks = chunkRows(4, 8).map((chunk) => ({
        ...chunk,
        index: chunk.index === 3 ? 1 : chunk.index,
      }));
      await assert.rejects(replaceChunks(pool, { documentId, jobId: "job-dup", columnKind, chunks }), {
        code: "23505",
      });
      assertStoredExactly(await storedChunks(client, documentId), old);
    });

    it("writes nothing for a job whose claim was taken over, as before", async () => {
      const documentId = await claimedDocument(client, "job-new");
      const outcome = await replaceChunks(pool, {
        documentId,
        jobId: "job-old",
        columnKind,
        chunks: chunkRows(3, 10),
      });
      assert.deepEqual(outcome, { replaced: false, observedStatus: "PROCESSING", cancelled: false });
      assert.deepEqual(await storedChunks(client, documentId), []);
    });
  });
}
