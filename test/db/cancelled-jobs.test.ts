/**
 * findCancelled on both schemas: which running jobs' documents the API cancelled (rag-corp's
 * cancel use case: PROCESSING → FAILED) or soft-deleted, and which it did not touch (a claim still
 * running, the worker's own release, a PENDING document not claimed yet).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "../support/bounded-test.js";
import { documentStore, type DocumentStore } from "../../src/db/document-store.js";
import type { Queryable } from "../../src/db/queryable.js";
import { createMigratedRagCorpDatabase, type RagCorpDatabase } from "../support/rag-corp-database.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";

const TTL_MS = 600_000;

/** rag-corp's cancel use case, as its statement runs against either schema. */
const RAG_CORP_CANCEL = `UPDATE documents SET status = 'FAILED', error_message = 'Processing cancelled manually'
                          WHERE id = $1 AND status = 'PROCESSING'`;

function cases(
  schema: "ragworker" | "rag-corp",
  world: () => { db: Queryable; newDocument: () => Promise<{ id: string; workspaceId: string }> },
) {
  const store: DocumentStore = documentStore(schema);
  const claimed = async (jobId: string) => {
    const { db, newDocument } = world();
    const document = await newDocument();
    const claim = await store.claim(db, {
      id: document.id,
      workspaceId: document.workspaceId,
      jobId,
      claimTtlMs: TTL_MS,
    });
    assert.ok(claim, `the document was claimed by ${jobId}`);
    return { jobId, documentId: document.id };
  };

  it(`${schema}: cancelled or soft-deleted documents are found; running, released and unclaimed ones are not`, async () => {
    const { db, newDocument } = world();
    const running = await claimed("job-running");
    const cancelled = await claimed("job-cancelled");
    await db.query(RAG_CORP_CANCEL, [cancelled.documentId]);
    const deleted = await claimed("job-deleted");
    await db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [deleted.documentId]);
    const released = await claimed("job-released");
    assert.equal(
      await store.release(db, {
        id: released.documentId,
        jobId: released.jobId,
        status: "FAILED",
        errorMessage: "x",
      }),
      true,
    );
    const waiting = { jobId: "job-waiting", documentId: (await newDocument()).id };
    const deletedWhileWaiting = { jobId: "job-deleted-waiting", documentId: (await newDocument()).id };
    await db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [deletedWhileWaiting.documentId]);
    const unknown = { jobId: "job-unknown", documentId: randomUUID() };

    const found = await store.findCancelled(db, [
      running,
      cancelled,
      deleted,
      released,
      waiting,
      deletedWhileWaiting,
      unknown,
    ]);
    assert.deepEqual([...found].sort(), ["job-cancelled", "job-deleted", "job-deleted-waiting"]);
  });

  it(`${schema}: a claim taken over by another job is not the old job's cancel`, async () => {
    const { db } = world();
    const old = await claimed("job-old");
    // The old job's claim expired (its worker hung); a new job takes the document over.
    const takeover = await store.claim(db, {
      id: old.documentId,
      workspaceId:
        (
          await db.query<{ workspace_id: string }>("SELECT workspace_id FROM documents WHERE id = $1", [
            old.documentId,
          ])
        ).rows[0]?.workspace_id ?? "",
      jobId: "job-new",
      claimTtlMs: 0,
    });
    assert.ok(takeover, "the new job took the document over");
    assert.deepEqual([...(await store.findCancelled(db, [old, { ...old, jobId: "job-new" }]))], []);
  });
}

describe("cancelled jobs on ragworker's schema", () => {
  let env: TestEnvironment;
  before(async () => {
    env = await createTestEnvironment("cancelled-jobs");
  });
  after(async () => {
    await env?.close();
  });
  cases("ragworker", () => ({
    db: env.db,
    newDocument: async () => {
      const document = await env.insertDocument({ bytes: randomUUID(), fileName: "a.txt" });
      return { id: document.documentId, workspaceId: document.workspaceId };
    },
  }));
});

describe("cancelled jobs on rag-corp's schema", () => {
  let ragCorp: RagCorpDatabase;
  let workspaceId: string;
  before(async () => {
    ragCorp = await createMigratedRagCorpDatabase("rc-cancelled");
    workspaceId = await ragCorp.createWorkspace({ ftsLanguage: "spanish" });
  });
  after(async () => {
    await ragCorp?.close();
  });
  cases("rag-corp", () => ({
    db: ragCorp.db,
    newDocument: async () => {
      const { documentId } = await ragCorp.uploadDocument({
        workspaceId,
        fileName: `${randomUUID()}.txt`,
        bytes: randomUUID(),
        mimeType: "text/plain",
      });
      return { id: documentId, workspaceId };
    },
  }));
});
