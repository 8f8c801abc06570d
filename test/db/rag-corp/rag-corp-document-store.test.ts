/**
 * The rag-corp half of the document store on a database built like rag-corp's: what is claimed,
 * what a cancel (rag-corp's cancel use case) or a soft delete does to a job in flight, and releases.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "../../support/bounded-test.js";
import type { ChunkRow } from "../../../src/db/chunk-writer.js";
import { documentStore } from "../../../src/db/document-store.js";
import { createMigratedRagCorpDatabase, type RagCorpDatabase } from "../../support/rag-corp-database.js";

const TTL_MS = 600_000;
const store = documentStore("rag-corp");

function chunk(index: number, content: string): ChunkRow {
  return {
    index,
    content,
    metadata: {},
    embedding: Float32Array.from({ length: 768 }, (_, i) => Math.sin(index + i)),
    contentHash: `hash-${content}`,
    embeddingModel: "fake-embedding-v1",
  };
}

describe("rag-corp document store", () => {
  let ragCorp: RagCorpDatabase;
  let workspaceId: string;

  before(async () => {
    ragCorp = await createMigratedRagCorpDatabase("rc-store");
    workspaceId = await ragCorp.createWorkspace({ ftsLanguage: "spanish" });
  });

  after(async () => {
    await ragCorp?.close();
  });

  const newDocument = async (status: string | null = "PENDING"): Promise<string> => {
    const { documentId } = await ragCorp.uploadDocument({
      workspaceId,
      fileName: `${randomUUID()}.txt`,
      bytes: randomUUID(),
      mimeType: "text/plain",
    });
    await ragCorp.db.query("UPDATE documents SET status = $2 WHERE id = $1", [documentId, status]);
    return documentId;
  };
  const claim = (id: string, jobId: string) =>
    store.claim(ragCorp.db, { id, workspaceId, jobId, claimTtlMs: TTL_MS });
  const row = async (id: string) =>
    (
      await ragCorp.db.query<{ status: string | null; error_message: string | null; chunks: number }>(
        `SELECT status, error_message, (SELECT count(*)::int FROM chunks WHERE document_id = d.id) AS chunks
           FROM documents d WHERE id = $1`,
        [id],
      )
    ).rows[0];

  it("claims PENDING and NULL documents, recording the job; never FAILED or soft-deleted ones", async () => {
    const pending = await newDocument("PENDING");
    assert.equal((await claim(pending, "job-1"))?.processing_job_id, "job-1");
    assert.equal((await row(pending))?.status, "PROCESSING");
    assert.equal((await claim(await newDocument(null), "job-2"))?.status, "PROCESSING");
    assert.equal(await claim(await newDocument("FAILED"), "job-3"), null);
    assert.equal(await claim(await newDocument("READY"), "job-4"), null);
    const deleted = await newDocument("PENDING");
    await ragCorp.db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [deleted]);
    assert.equal(await claim(deleted, "job-5"), null);
    assert.equal((await row(deleted))?.status, "PENDING", "a soft-deleted document is left as it is");
  });

  it("takes over PROCESSING held by no ragworker job, by the same job, or by an expired claim; not a live one", async () => {
    const orphan = await newDocument("PROCESSING");
    assert.equal(
      (await claim(orphan, "job-a"))?.processing_job_id,
      "job-a",
      "rag-corp's dead worker's document",
    );
    assert.equal(await claim(orphan, "job-b"), null, "job-a's claim is live");
    assert.equal((await claim(orphan, "job-a"))?.processing_job_id, "job-a", "a retry of the same job");
    await ragCorp.db.query(
      "UPDATE ragworker_claims SET claimed_at = now() - interval '1 hour' WHERE document_id = $1",
      [orphan],
    );
    assert.equal((await claim(orphan, "job-b"))?.processing_job_id, "job-b", "an expired claim");
  });

  it("a document cancelled mid-flight gets no chunks, keeps the cancel's row, and cannot be released", async () => {
    const id = await newDocument("PENDING");
    await claim(id, "job-c");
    // rag-corp's cancel use case: PROCESSING → FAILED with its message.
    await ragCorp.db.query(
      "UPDATE documents SET status = 'FAILED', error_message = 'Processing cancelled manually' WHERE id = $1 AND status = 'PROCESSING'",
      [id],
    );
    const outcome = await store.replaceChunks(ragCorp.db, {
      documentId: id,
      workspaceId,
      jobId: "job-c",
      columnKind: "vector",
      chunks: [chunk(0, "uno"), chunk(1, "dos")],
      nodes: null,
    });
    assert.deepEqual(outcome, { replaced: false, observedStatus: "FAILED", cancelled: true });
    assert.equal(
      await store.release(ragCorp.db, { id, jobId: "job-c", status: "PENDING", errorMessage: "x" }),
      false,
    );
    assert.deepEqual(await row(id), {
      status: "FAILED",
      error_message: "Processing cancelled manually",
      chunks: 0,
    });
  });

  it("a document soft-deleted mid-flight gets no chunks", async () => {
    const id = await newDocument("PENDING");
    await claim(id, "job-d");
    await ragCorp.db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [id]);
    const outcome = await store.replaceChunks(ragCorp.db, {
      documentId: id,
      workspaceId,
      jobId: "job-d",
      columnKind: "vector",
      chunks: [chunk(0, "tres")],
      nodes: null,
    });
    assert.deepEqual(outcome, { replaced: false, observedStatus: null, cancelled: true });
    assert.equal((await row(id))?.chunks, 0);
  });

  it("replaces chunks in one transaction, READY, claim gone; a release after a failure says FAILED or PENDING", async () => {
    const id = await newDocument("PENDING");
    await claim(id, "job-e");
    const outcome = await store.replaceChunks(ragCorp.db, {
      documentId: id,
      workspaceId,
      jobId: "job-e",
      columnKind: "vector",
      chunks: [chunk(0, "los contratos"), chunk(1, "las facturas")],
      nodes: null,
    });
    assert.deepEqual(outcome, { replaced: true, chunksCreated: 2 });
    assert.deepEqual(await row(id), { status: "READY", error_message: null, chunks: 2 });
    const spanish = await ragCorp.db.query<{ matches: boolean }>(
      "SELECT bool_and(tsv = to_tsvector('spanish', content)) AS matches FROM chunks WHERE document_id = $1",
      [id],
    );
    assert.equal(spanish.rows[0]?.matches, true, "tsv in the workspace's language (spanish)");
    const claims = await ragCorp.db.query("SELECT 1 FROM ragworker_claims WHERE document_id = $1", [id]);
    assert.equal(claims.rows.length, 0);
    const reused = await store.findStoredEmbeddings(ragCorp.db, {
      workspaceId,
      model: "fake-embedding-v1",
      dimension: 768,
      contentHashes: ["hash-los contratos", "hash-unknown"],
    });
    assert.deepEqual([...reused.keys()], ["hash-los contratos"]);

    const failing = await newDocument("PENDING");
    await claim(failing, "job-f");
    assert.equal(
      await store.release(ragCorp.db, {
        id: failing,
        jobId: "job-f",
        status: "FAILED",
        errorMessage: "bad pdf",
      }),
      true,
    );
    assert.deepEqual(await row(failing), { status: "FAILED", error_message: "bad pdf", chunks: 0 });
  });
});
