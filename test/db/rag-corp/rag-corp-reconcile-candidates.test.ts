/**
 * The reconciler's queries on a database built like rag-corp's: its documents have no updated_at
 * and no claim columns, so the age is created_at's and the claim is ragworker_claims'; PROCESSING
 * with no claim row at all is rag-corp's own dead worker's. Served by rag-corp's own index.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "../../support/bounded-test.js";
import { documentStore } from "../../../src/db/document-store.js";
import { FIRST_CANDIDATE_ID } from "../../../src/db/reconcile-candidates.js";
import { startReconcileRounds } from "../../../src/db/reconcile-rounds.js";
import { makeStalePendingCases } from "../../support/reconcile-cases.js";
import { createMigratedRagCorpDatabase, type RagCorpDatabase } from "../../support/rag-corp-database.js";

const store = documentStore("rag-corp");
const AGE_MS = 60_000;
const TTL_MS = 600_000;

describe("reconcile candidates (rag-corp schema)", () => {
  let ragCorp: RagCorpDatabase;
  let workspaceId: string;

  before(async () => {
    ragCorp = await createMigratedRagCorpDatabase("rc-reconcile");
    workspaceId = await ragCorp.createWorkspace();
  });
  after(async () => {
    await ragCorp?.close();
  });

  /** An uploaded document set to `status`, created `ageMs` ago; with a ragworker claim `claimAgoMs` old. */
  const document = async (
    status: string | null,
    ageMs: number,
    extra: { claimAgoMs?: number; deleted?: boolean } = {},
  ): Promise<string> => {
    const { documentId } = await ragCorp.uploadDocument({
      workspaceId,
      fileName: `${randomUUID()}.txt`,
      bytes: randomUUID(),
      mimeType: "text/plain",
    });
    await ragCorp.db.query(
      `UPDATE documents SET status = $2, created_at = now() - make_interval(secs => $3::double precision / 1000),
              deleted_at = CASE WHEN $4 THEN now() END
        WHERE id = $1`,
      [documentId, status, ageMs, extra.deleted ?? false],
    );
    if (extra.claimAgoMs !== undefined) {
      await ragCorp.db.query(
        `INSERT INTO ragworker_claims (document_id, job_id, claimed_at)
         VALUES ($1, 'job-1', now() - make_interval(secs => $2::double precision / 1000))`,
        [documentId, extra.claimAgoMs],
      );
    }
    return documentId;
  };
  const clear = async () => {
    await ragCorp.db.query("DELETE FROM documents");
    await ragCorp.db.query("DELETE FROM ragworker_claims");
  };

  it("PENDING created before the age is a candidate; younger, NULL (connector rows), deleted, READY, FAILED are not", async () => {
    await clear();
    const stale = await makeStalePendingCases(document, AGE_MS);
    const found = await store.findStalePending(ragCorp.db, {
      afterId: FIRST_CANDIDATE_ID,
      olderThanMs: AGE_MS,
      limit: 100,
    });
    assert.deepEqual(found, [{ id: stale, workspace_id: workspaceId }]);
  });

  it("PROCESSING: an expired ragworker claim, or none on an old document (rag-corp's dead worker); not a live claim or a new document", async () => {
    await clear();
    const expired = await document("PROCESSING", TTL_MS * 2, { claimAgoMs: TTL_MS * 2 });
    const orphan = await document("PROCESSING", TTL_MS * 2);
    await document("PROCESSING", TTL_MS * 2, { claimAgoMs: TTL_MS / 2 });
    await document("PROCESSING", TTL_MS / 2);
    await document("PROCESSING", TTL_MS * 2, { deleted: true });
    const found = await store.findExpiredClaims(ragCorp.db, {
      afterId: FIRST_CANDIDATE_ID,
      claimTtlMs: TTL_MS,
      limit: 100,
    });
    assert.deepEqual(found.map((row) => row.id).sort(), [expired, orphan].sort());
  });

  it("the cursor pages in id order", async () => {
    await clear();
    const all = await Promise.all(Array.from({ length: 5 }, () => document("PENDING", AGE_MS * 2)));
    const first = await store.findStalePending(ragCorp.db, {
      afterId: FIRST_CANDIDATE_ID,
      olderThanMs: AGE_MS,
      limit: 3,
    });
    const second = await store.findStalePending(ragCorp.db, {
      afterId: first.at(-1)?.id ?? FIRST_CANDIDATE_ID,
      olderThanMs: AGE_MS,
      limit: 3,
    });
    assert.deepEqual(
      [...first, ...second].map((row) => row.id),
      [...all].sort(),
    );
  });

  it("rounds live in ragworker's own table here too", async () => {
    const id = randomUUID();
    assert.deepEqual(await startReconcileRounds(ragCorp.db, [id], AGE_MS), [{ document_id: id, round: 1 }]);
    assert.deepEqual(await startReconcileRounds(ragCorp.db, [id], AGE_MS), []);
  });

  it("both queries can use rag-corp's ix_documents_status: no index of ragworker's on rag-corp's tables", async () => {
    const client = await ragCorp.db.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL enable_seqscan = off");
      for (const where of [
        "d.status = 'PENDING' AND d.deleted_at IS NULL AND d.id > $1 AND d.created_at < now() - interval '10 minutes'",
        "d.status = 'PROCESSING' AND d.deleted_at IS NULL AND d.id > $1",
      ]) {
        const plan = await client.query<{ "QUERY PLAN": string }>(
          `EXPLAIN SELECT d.id FROM documents d WHERE ${where} ORDER BY d.id LIMIT 500`,
          [FIRST_CANDIDATE_ID],
        );
        const text = plan.rows.map((row) => row["QUERY PLAN"]).join("\n");
        assert.doesNotMatch(text, /Seq Scan on documents/, text);
      }
      const ours = await client.query(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'documents' AND indexname LIKE 'ragworker%'",
      );
      assert.deepEqual(ours.rows, []);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });
});
