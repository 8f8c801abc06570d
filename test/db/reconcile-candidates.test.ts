/**
 * The reconciler's queries on ragworker's schema: which documents are candidates (stale PENDING,
 * PROCESSING past its claim), paging by id, and the rounds that keep replicas from enqueueing one
 * document twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "../support/bounded-test.js";
import { documentStore } from "../../src/db/document-store.js";
import { FIRST_CANDIDATE_ID } from "../../src/db/reconcile-candidates.js";
import { startReconcileRounds } from "../../src/db/reconcile-rounds.js";
import { makeStalePendingCases } from "../support/reconcile-cases.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";

const store = documentStore("ragworker");
const AGE_MS = 60_000;
const TTL_MS = 600_000;

describe("reconcile candidates (ragworker schema)", () => {
  let env: TestEnvironment;

  before(async () => {
    env = await createTestEnvironment("reconcile-candidates", { embeddingDim: 8 });
  });
  after(async () => {
    await env.close();
  });

  /** A document in `status`, last changed `ageMs` ago. */
  const document = async (
    status: string | null,
    ageMs: number,
    extra: { startedAgoMs?: number | null; deleted?: boolean } = {},
  ): Promise<string> => {
    const { documentId } = await env.insertDocument({ bytes: "x", fileName: "x.txt" });
    await env.db.query(
      `UPDATE documents SET status = $2, updated_at = now() - make_interval(secs => $3::double precision / 1000),
              processing_started_at = CASE WHEN $4::double precision IS NULL THEN NULL
                                           ELSE now() - make_interval(secs => $4::double precision / 1000) END,
              deleted_at = CASE WHEN $5 THEN now() END
        WHERE id = $1`,
      [documentId, status, ageMs, extra.startedAgoMs ?? null, extra.deleted ?? false],
    );
    return documentId;
  };
  const clear = () => env.db.query("DELETE FROM documents");
  const ids = (rows: ReadonlyArray<{ id: string }>) => rows.map((row) => row.id).sort();

  it("PENDING older than the age is a candidate; younger, NULL, soft-deleted, READY and FAILED are not", async () => {
    await clear();
    const stale = await makeStalePendingCases(
      (status, ageMs, extra) => document(status, ageMs, extra),
      AGE_MS,
    );
    const found = await store.findStalePending(env.db, {
      afterId: FIRST_CANDIDATE_ID,
      olderThanMs: AGE_MS,
      limit: 100,
    });
    assert.deepEqual(
      found.map((row) => row.id),
      [stale],
    );
    assert.ok(found[0]?.workspace_id, "the job's workspace comes with it");
  });

  it("PROCESSING past its claim (or with no claim time) is a candidate; a live claim is not", async () => {
    await clear();
    const expired = await document("PROCESSING", 0, { startedAgoMs: TTL_MS * 2 });
    const noTime = await document("PROCESSING", 0, { startedAgoMs: null });
    await document("PROCESSING", 0, { startedAgoMs: TTL_MS / 2 });
    await document("PROCESSING", 0, { startedAgoMs: TTL_MS * 2, deleted: true });
    const found = await store.findExpiredClaims(env.db, {
      afterId: FIRST_CANDIDATE_ID,
      claimTtlMs: TTL_MS,
      limit: 100,
    });
    assert.deepEqual(ids(found), [expired, noTime].sort());
  });

  it("pages in id order from the cursor, so every candidate is reached", async () => {
    await clear();
    const all = await Promise.all(Array.from({ length: 7 }, () => document("PENDING", AGE_MS * 2)));
    const seen: string[] = [];
    let afterId = FIRST_CANDIDATE_ID;
    for (let page = 0; page < 3; page += 1) {
      const rows = await store.findStalePending(env.db, { afterId, olderThanMs: AGE_MS, limit: 3 });
      seen.push(...rows.map((row) => row.id));
      afterId = rows.at(-1)?.id ?? FIRST_CANDIDATE_ID;
    }
    assert.deepEqual(seen, [...all].sort());
  });

  it("the queries can use an index, not only a scan of documents", async () => {
    const client = await env.db.connect();
    try {
      // With sequential scans priced out the planner still picks one when no index serves the query.
      await client.query("BEGIN");
      await client.query("SET LOCAL enable_seqscan = off");
      const plans: string[] = [];
      for (const where of [
        "status = 'PENDING' AND deleted_at IS NULL AND id > $1 AND updated_at < now() - interval '10 minutes'",
        "status = 'PROCESSING' AND deleted_at IS NULL AND id > $1 AND (processing_started_at IS NULL OR processing_started_at < now() - interval '10 minutes')",
      ]) {
        const plan = await client.query<{ "QUERY PLAN": string }>(
          `EXPLAIN SELECT id, workspace_id FROM documents WHERE ${where} ORDER BY id LIMIT 500`,
          [FIRST_CANDIDATE_ID],
        );
        plans.push(plan.rows.map((row) => row["QUERY PLAN"]).join("\n"));
      }
      for (const plan of plans) {
        assert.doesNotMatch(plan, /Seq Scan on documents/, plan);
        assert.match(plan, /documents_reconcile_idx/, plan);
      }
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("rounds: three reconcilers at once get one round per document between them; a later one after the gap", async () => {
    const documents = Array.from({ length: 50 }, () => crypto.randomUUID());
    const results = await Promise.all([1, 2, 3].map(() => startReconcileRounds(env.db, documents, AGE_MS)));
    const won = results.flat();
    assert.equal(won.length, documents.length, "each document taken by exactly one of the three");
    assert.deepEqual(new Set(won.map((row) => row.round)), new Set([1]));
    assert.deepEqual(await startReconcileRounds(env.db, documents, AGE_MS), [], "within the gap: none");
    await env.db.query(
      "UPDATE ragworker_reconciles SET reconciled_at = now() - interval '2 minutes' WHERE document_id = $1",
      [documents[0]],
    );
    assert.deepEqual(await startReconcileRounds(env.db, [documents[0] ?? "", documents[0] ?? ""], AGE_MS), [
      { document_id: documents[0], round: 2 },
    ]);
  });
});
