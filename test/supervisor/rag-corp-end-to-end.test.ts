/**
 * ragworker dropped into rag-corp: a database built like rag-corp's (alembic head 010), documents
 * inserted as rag-corp's upload inserts them, objects in S3 under rag-corp's keys, and a worker
 * started from nothing but a rag-corp `.env`. The rows it writes are then read back with rag-corp's
 * own search SQL (vector, full text, injection filter) and must find what rag-corp would find.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "../support/bounded-test.js";
import { chunkCharacters } from "../../src/chunk/character-chunker.js";
import { normalizeRagCorpText } from "../../src/chunk/rag-corp-text.js";
import { migrate } from "../../src/db/migrate.js";
import { parseEmbeddingText } from "../../src/db/stored-embeddings.js";
import { createFakeEmbedder } from "../../src/embed/fake-embedder.js";
import { DocumentProducer } from "../../src/producer/enqueue-document.js";
import { makeDocx } from "../support/document-fixtures.js";
import { startLocalS3, type LocalS3 } from "../support/local-s3.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import { createRagCorpDatabase, type RagCorpDatabase } from "../support/rag-corp-database.js";
import { redisUrl, uniqueQueueName } from "../support/services.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";
import { INJECTION_REPORT } from "../support/text.js";

const fake = createFakeEmbedder();

interface StoredChunk {
  id: string;
  chunk_index: number;
  content: string;
  embedding: string;
  metadata: Record<string, unknown>;
  tsv_matches: boolean;
}

async function waitForStatus(
  ragCorp: RagCorpDatabase,
  documentId: string,
  statuses: readonly string[],
  timeoutMs = 30_000,
): Promise<{ status: string | null; error_message: string | null }> {
  const deadline = Date.now() + timeoutMs;
  let last: { status: string | null; error_message: string | null } | undefined;
  while (Date.now() < deadline) {
    const result = await ragCorp.db.query<{ status: string | null; error_message: string | null }>(
      "SELECT status, error_message FROM documents WHERE id = $1",
      [documentId],
    );
    last = result.rows[0];
    if (last && last.status !== null && statuses.includes(last.status)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `document ${documentId} did not reach ${statuses.join("/")} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`,
  );
}

describe("ragworker on rag-corp's database, storage, embedding space and settings", () => {
  let ragCorp: RagCorpDatabase;
  let s3: LocalS3;
  let producer: DocumentProducer;
  let worker: WorkerProcess;
  let envDirectory: string;
  let port: number;
  let workspaceId: string;
  const queueName = uniqueQueueName("rag-corp");

  const upload = async (fileName: string, bytes: Uint8Array | string, mimeType: string) => {
    const uploaded = await ragCorp.uploadDocument({
      workspaceId,
      fileName,
      bytes,
      mimeType,
      storage: s3.storage(),
    });
    // rag-corp's API enqueues with RETRY_MAX_ATTEMPTS (3) attempts; BullMQ's producer stands in for RQ's.
    await producer.enqueue({ documentId: uploaded.documentId, workspaceId }, { attempts: 3 });
    return uploaded.documentId;
  };

  const chunksOf = async (documentId: string): Promise<StoredChunk[]> =>
    (
      await ragCorp.db.query<StoredChunk>(
        `SELECT c.id, c.chunk_index, c.content, c.embedding::text AS embedding, c.metadata,
                c.tsv = to_tsvector(w.fts_language::regconfig, c.content) AS tsv_matches
           FROM chunks c JOIN documents d ON d.id = c.document_id JOIN workspaces w ON w.id = d.workspace_id
          WHERE c.document_id = $1 ORDER BY c.chunk_index`,
        [documentId],
      )
    ).rows;

  before(async () => {
    ragCorp = await createRagCorpDatabase("rc-e2e");
    s3 = await startLocalS3("rag-corp-documents");
    producer = new DocumentProducer(redisUrl(), queueName);
    const client = await ragCorp.db.connect();
    try {
      await migrate(client, { embeddingDim: 768 });
    } finally {
      client.release();
    }
    workspaceId = await ragCorp.createWorkspace({ name: "finance", ftsLanguage: "english" });
    // A rag-corp .env as its operators write it: rag-corp's names and spellings, API-only settings
    // included; nothing ragworker-specific. The worker is started in its directory with no other
    // variable than PATH.
    envDirectory = await mkdtemp(join(tmpdir(), "ragworker-rag-corp-env-"));
    await writeFile(
      join(envDirectory, ".env"),
      [
        "APP_ENV=development",
        `DATABASE_URL=${ragCorp.database.url}`,
        `REDIS_URL=${redisUrl()}`,
        `DOCUMENT_QUEUE_NAME=${queueName}`,
        "WORKER_HTTP_PORT=0",
        "LOG_LEVEL=INFO",
        "LOG_JSON=true",
        "DB_POOL_MIN_SIZE=2",
        "DB_POOL_MAX_SIZE=10",
        "DB_STATEMENT_TIMEOUT_MS=30000",
        "FAKE_EMBEDDINGS=True",
        "FAKE_LLM=True",
        "GOOGLE_API_KEY=",
        "CHUNK_SIZE=900",
        "CHUNK_OVERLAP=120",
        "ENABLE_2TIER_RETRIEVAL=true",
        "NODE_GROUP_SIZE=2",
        "NODE_TEXT_MAX_CHARS=2000",
        `S3_BUCKET=${s3.bucket}`,
        "S3_ACCESS_KEY=S3RVER",
        "S3_SECRET_KEY=S3RVER",
        "S3_REGION=us-east-1",
        `S3_ENDPOINT_URL=${s3.endpoint}`,
        "METRICS_REQUIRE_AUTH=false",
        "API_KEYS_CONFIG=",
        "RBAC_CONFIG=",
        "JWT_SECRET=development-only-secret",
        "RETRY_MAX_ATTEMPTS=3",
        "RETRY_BASE_DELAY_SECONDS=1.0",
        "RETRY_MAX_DELAY_SECONDS=30.0",
        "OTEL_ENABLED=false",
        "RAG_INJECTION_FILTER_MODE=off",
        "RAG_INJECTION_RISK_THRESHOLD=0.6",
        "ENABLE_HYBRID_SEARCH=false",
        "MAX_UPLOAD_BYTES=26214400",
        "FTS_LANGUAGE_DEFAULT=spanish",
        "",
      ].join("\n"),
    );
    worker = startWorkerProcess({}, ["start"], undefined, [], envDirectory);
    port = await waitUntilServing(worker, 2);
  });

  after(async () => {
    await worker?.stop();
    await producer?.close();
    await s3?.close();
    await ragCorp?.close();
    if (envDirectory) await rm(envDirectory, { recursive: true, force: true });
  });

  it("turns an uploaded document READY with rag-corp's chunk rows, found by rag-corp's search SQL", async () => {
    const documentId = await upload("q3-report.txt", INJECTION_REPORT, "text/plain");
    assert.deepEqual(await waitForStatus(ragCorp, documentId, ["READY", "FAILED"]), {
      status: "READY",
      error_message: null,
    });
    const chunks = await chunksOf(documentId);
    const expected = chunkCharacters(normalizeRagCorpText(INJECTION_REPORT), {
      size: 900,
      overlap: 120,
      maxChunks: 2000,
    });
    assert.ok(expected.length >= 3, `the report makes ${expected.length} chunks`);
    assert.deepEqual(
      chunks.map((chunk) => [chunk.chunk_index, chunk.content]),
      expected.map((content, index) => [index, content]),
    );
    for (const chunk of chunks) {
      assert.match(chunk.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(chunk.tsv_matches, `chunk ${chunk.chunk_index}: tsv is to_tsvector('english', content)`);
      // rag-corp's fake embedding of the content, as pgvector stores it (float4).
      const [vector] = fake.embedBatchFloat64([chunk.content]);
      assert.deepEqual(
        Array.from(parseEmbeddingText(chunk.embedding)),
        Array.from(vector ?? [], (value) => Math.fround(value)),
        `chunk ${chunk.chunk_index}: the vector rag-corp's fake embedder gives`,
      );
    }
    const flagged = chunks.filter((chunk) => Object.keys(chunk.metadata).length > 0);
    assert.equal(flagged.length, 1, "only the chunk with the injection attempt has metadata");
    assert.deepEqual(flagged[0]?.metadata, {
      security_flags: ["instruction_override", "exfiltration_attempt"],
      risk_score: 1.0,
      detected_patterns: ["ignore_instructions", "system_prompt", "reveal_secrets", "prompt_reference"],
    });

    // rag-corp's vector search, with the query embedded by its fake embedder.
    const target = chunks[1];
    assert.ok(target);
    const query = `[${Array.from(fake.embedQueryFloat64(target.content)).join(",")}]`;
    const vectorSearch = await ragCorp.db.query<{ id: string; score: number; title: string }>(
      `SELECT c.id, c.document_id, d.title, d.source, c.chunk_index, c.content, c.embedding, c.metadata,
              (1 - (c.embedding <=> $1::vector)) AS score
         FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE d.deleted_at IS NULL AND d.workspace_id = $2
        ORDER BY c.embedding <=> $1::vector LIMIT $3`,
      [query, workspaceId, 5],
    );
    assert.equal(vectorSearch.rows[0]?.id, target.id);
    assert.ok(Math.abs((vectorSearch.rows[0]?.score ?? 0) - 1) < 1e-6);

    // rag-corp's full-text search, in the workspace's language.
    const fullText = await ragCorp.db.query<{ chunk_index: number; score: number }>(
      `SELECT c.chunk_index, ts_rank_cd(c.tsv, websearch_to_tsquery($1::regconfig, $2)) AS score
         FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE d.deleted_at IS NULL AND d.workspace_id = $3 AND c.tsv @@ websearch_to_tsquery($1::regconfig, $2)
        ORDER BY score DESC LIMIT $4`,
      ["english", "revenues EMEA", workspaceId, 5],
    );
    assert.deepEqual(
      fullText.rows.map((row) => row.chunk_index),
      [0],
    );

    // rag-corp's injection filter, as SQL.
    const filtered = await ragCorp.db.query<{ chunk_index: number }>(
      `SELECT chunk_index FROM chunks
        WHERE document_id = $1
          AND (jsonb_array_length(COALESCE(metadata->'security_flags', '[]')) > 0
               OR COALESCE((metadata->>'risk_score')::float8, 0) >= 0.6)`,
      [documentId],
    );
    assert.deepEqual(
      filtered.rows.map((row) => row.chunk_index),
      [flagged[0]?.chunk_index],
    );
    const stored = await ragCorp.db.query<{ text: string }>(
      "SELECT metadata::text AS text FROM chunks WHERE document_id = $1 AND metadata <> '{}'::jsonb",
      [documentId],
    );
    assert.match(stored.rows[0]?.text ?? "", /"risk_score": 1\.0/, "1.0 as Python writes it, not 1");

    // 2-tier nodes: NODE_GROUP_SIZE chunks each, embedded like chunks.
    const nodes = await ragCorp.db.query<{
      node_index: number;
      node_text: string;
      span_start: number;
      span_end: number;
      embedding: string;
      workspace_id: string;
    }>(
      `SELECT node_index, node_text, span_start, span_end, embedding::text AS embedding, workspace_id
         FROM nodes WHERE document_id = $1 ORDER BY node_index`,
      [documentId],
    );
    assert.equal(nodes.rows.length, Math.ceil(expected.length / 2));
    const first = nodes.rows[0];
    assert.ok(first);
    assert.equal(first.node_text, `${expected[0]} ${expected[1]}`);
    assert.deepEqual([first.span_start, first.span_end, first.workspace_id], [0, 1, workspaceId]);
    assert.deepEqual(
      Array.from(parseEmbeddingText(first.embedding)),
      Array.from(fake.embedBatchFloat64([first.node_text])[0] ?? [], (value) => Math.fround(value)),
    );

    assert.ok((await scrapeMetric(port, "rag_worker_processed_total", { status: "READY" })) >= 1);
    // Every chunk went through rag-corp's cache. Its Redis keys are rag-corp's own (shared with
    // rag-corp on purpose), so another test that embedded the same text first makes a hit here.
    const cacheLookups =
      (await scrapeMetric(port, "rag_embedding_cache_miss_total", { kind: "batch" })) +
      (await scrapeMetric(port, "rag_embedding_cache_hit_total", { kind: "batch" }));
    assert.ok(cacheLookups >= expected.length, `${cacheLookups} cache lookups for ${expected.length} chunks`);
    assert.ok(
      (await scrapeMetric(port, "rag_prompt_injection_detected_total", { pattern: "ignore_instructions" })) >=
        1,
    );
  });

  it("a DOCX upload from S3 is READY; an empty text file is READY with no chunks, as in rag-corp", async () => {
    const docx = await upload(
      "handbook.docx",
      await makeDocx([{ heading: "Onboarding", paragraphs: ["New hires receive a laptop on day one."] }]),
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    );
    const empty = await upload("blank.txt", "   \n\n  ", "text/plain");
    assert.equal((await waitForStatus(ragCorp, docx, ["READY", "FAILED"])).status, "READY");
    assert.ok((await chunksOf(docx)).some((chunk) => chunk.content.includes("laptop on day one")));
    assert.deepEqual(await waitForStatus(ragCorp, empty, ["READY", "FAILED"]), {
      status: "READY",
      error_message: null,
    });
    assert.deepEqual(await chunksOf(empty), []);
  });

  it("reprocessing (rag-corp sets PENDING and enqueues again) replaces the chunks, from the embedding cache", async () => {
    const documentId = await upload("again.txt", INJECTION_REPORT.replaceAll("EMEA", "APAC"), "text/plain");
    await waitForStatus(ragCorp, documentId, ["READY"]);
    const before = await chunksOf(documentId);
    const hits = await scrapeMetric(port, "rag_embedding_cache_hit_total", { kind: "batch" });
    await ragCorp.db.query("UPDATE documents SET status = 'PENDING' WHERE id = $1", [documentId]);
    await producer.enqueue({ documentId, workspaceId }, { attempts: 3 });
    const deadline = Date.now() + 20_000;
    let after = await chunksOf(documentId);
    while (after.length === 0 || after[0]?.id === before[0]?.id) {
      if (Date.now() > deadline) assert.fail("the document was not processed again within 20 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await chunksOf(documentId);
    }
    assert.equal((await waitForStatus(ragCorp, documentId, ["READY"])).status, "READY");
    assert.deepEqual(
      after.map((chunk) => [chunk.chunk_index, chunk.content, chunk.embedding]),
      before.map((chunk) => [chunk.chunk_index, chunk.content, chunk.embedding]),
    );
    assert.ok((await scrapeMetric(port, "rag_embedding_cache_hit_total", { kind: "batch" })) > hits);
  });
});
