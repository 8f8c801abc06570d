import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "../support/bounded-test.js";

import pg from "pg";

import {
  claimDocument,
  loadDocument,
  releaseClaim,
  type DocumentStatus,
} from "../../src/db/document-repository.js";
import { migrate } from "../../src/db/migrate.js";
import { createTestDatabase, type TestDatabase } from "../support/services.js";

const TTL_MS = 600_000;

interface StoredState {
  status: DocumentStatus | null;
  processing_job_id: string | null;
  error_message: string | null;
  claim_age_ms: number | null;
}

describe("document repository", () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let workspaceA: string;
  let workspaceB: string;

  before(async () => {
    database = await createTestDatabase("document_repository");
    pool = new pg.Pool({ connectionString: database.url, max: 6 });
    const client = await pool.connect();
    try {
      await migrate(client, { embeddingDim: 4 });
    } finally {
      client.release();
    }
    workspaceA = await createWorkspace("a");
    workspaceB = await createWorkspace("b");
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function createWorkspace(name: string): Promise<string> {
    const result = await pool.query<{ id: string }>(
      "INSERT INTO workspaces (name) VALUES ($1) RETURNING id",
      [name],
    );
    const id = result.rows[0]?.id;
    assert.ok(id);
    return id;
  }

  async function insertDocument(
    options: {
      workspaceId?: string;
      status?: DocumentStatus | null;
      jobId?: string | null;
      claimAgeSeconds?: number | null;
      errorMessage?: string | null;
      deleted?: boolean;
    } = {},
  ): Promise<string> {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO documents (id, workspace_id, title, file_name, mime_type, storage_key, status,
                              processing_job_id, processing_started_at, error_message, deleted_at)
       VALUES ($1, $2, 'Title', 'file.txt', 'text/plain', $3, $4, $5,
               CASE WHEN $6::double precision IS NULL THEN NULL
                    ELSE now() - make_interval(secs => $6::double precision) END,
               $7, CASE WHEN $8::boolean THEN now() ELSE NULL END)`,
      [
        id,
        options.workspaceId ?? workspaceA,
        `key/${id}`,
        options.status === undefined ? "PENDING" : options.status,
        options.jobId ?? null,
        options.claimAgeSeconds ?? null,
        options.errorMessage ?? null,
        options.deleted ?? false,
      ],
    );
    return id;
  }

  async function stored(id: string): Promise<StoredState> {
    const result = await pool.query<StoredState>(
      `SELECT status, processing_job_id, error_message,
              (extract(epoch FROM now() - processing_started_at) * 1000)::float8 AS claim_age_ms
         FROM documents WHERE id = $1`,
      [id],
    );
    const row = result.rows[0];
    assert.ok(row, `document ${id} exists`);
    return row;
  }

  const claim = (id: string, jobId: string, workspaceId = workspaceA, claimTtlMs = TTL_MS) =>
    claimDocument(pool, { id, workspaceId, jobId, claimTtlMs });

  describe("loadDocument", () => {
    it("returns the row in its own workspace", async () => {
      const id = await insertDocument({ status: "PENDING" });
      assert.deepEqual(await loadDocument(pool, id, workspaceA), {
        id,
        workspace_id: workspaceA,
        title: "Title",
        file_name: "file.txt",
        mime_type: "text/plain",
        storage_key: `key/${id}`,
        status: "PENDING",
        processing_job_id: null,
        deleted: false,
      });
    });

    it("does not see a document of another workspace", async () => {
      const id = await insertDocument({ workspaceId: workspaceB });
      assert.equal(await loadDocument(pool, id, workspaceA), null);
      assert.equal((await loadDocument(pool, id, workspaceB))?.id, id);
    });

    it("returns a soft-deleted document flagged deleted (the job skips it as CANCELLED)", async () => {
      const id = await insertDocument({ deleted: true });
      assert.equal((await loadDocument(pool, id, workspaceA))?.deleted, true);
    });

    it("returns null for an unknown id", async () => {
      assert.equal(await loadDocument(pool, randomUUID(), workspaceA), null);
    });
  });

  describe("claimDocument", () => {
    for (const status of [null, "PENDING", "FAILED"] as const) {
      it(`claims a document whose status is ${String(status)}`, async () => {
        const id = await insertDocument({ status, errorMessage: status === "FAILED" ? "boom" : null });
        const row = await claim(id, "job-1");
        assert.equal(row?.id, id);
        assert.equal(row?.status, "PROCESSING");
        assert.equal(row?.processing_job_id, "job-1");
        const state = await stored(id);
        assert.equal(state.status, "PROCESSING");
        assert.equal(state.processing_job_id, "job-1");
        assert.equal(state.error_message, null, "a new attempt clears the old error");
        assert.ok(state.claim_age_ms !== null && state.claim_age_ms < 60_000, "processing_started_at is now");
      });
    }

    it("does not claim a READY document and leaves it alone", async () => {
      const id = await insertDocument({ status: "READY" });
      assert.equal(await claim(id, "job-1"), null);
      assert.deepEqual(await stored(id), {
        status: "READY",
        processing_job_id: null,
        error_message: null,
        claim_age_ms: null,
      });
    });

    it("does not claim across workspaces or a deleted document", async () => {
      const foreign = await insertDocument({ workspaceId: workspaceB });
      assert.equal(await claim(foreign, "job-1", workspaceA), null);
      assert.equal((await stored(foreign)).status, "PENDING");
      const deleted = await insertDocument({ deleted: true });
      assert.equal(await claim(deleted, "job-1"), null);
      assert.equal((await stored(deleted)).status, "PENDING");
    });

    it("does not let job B take a fresh PROCESSING claim held by job A", async () => {
      const id = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: 5 * 60 });
      assert.equal(await claim(id, "job-B"), null);
      const state = await stored(id);
      assert.equal(state.status, "PROCESSING");
      assert.equal(state.processing_job_id, "job-A");
      assert.ok(state.claim_age_ms !== null && state.claim_age_ms >= 5 * 60_000, "claim time untouched");
    });

    it("lets job B take job A's claim once it is older than claimTtlMs", async () => {
      const id = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: 11 * 60 });
      const row = await claim(id, "job-B");
      assert.equal(row?.processing_job_id, "job-B");
      const state = await stored(id);
      assert.equal(state.processing_job_id, "job-B");
      assert.ok(state.claim_age_ms !== null && state.claim_age_ms < 60_000, "the claim restarts now");
    });

    it("measures claimTtlMs in milliseconds", async () => {
      const young = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: 1 });
      assert.equal(await claim(young, "job-B", workspaceA, 5_000), null);
      const old = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: 6 });
      assert.equal((await claim(old, "job-B", workspaceA, 5_000))?.processing_job_id, "job-B");
    });

    it("lets job A reclaim its own claim at once (a retry after a crash)", async () => {
      const id = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: 60 });
      const row = await claim(id, "job-A");
      assert.equal(row?.processing_job_id, "job-A");
      const state = await stored(id);
      assert.ok(state.claim_age_ms !== null && state.claim_age_ms < 30_000, "the claim time is renewed");
    });

    it("takes over a PROCESSING row that has no claim time", async () => {
      const id = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: null });
      assert.equal((await claim(id, "job-B"))?.processing_job_id, "job-B");
    });

    it("lets exactly one of two concurrent jobs win", async () => {
      const ids = await Promise.all(Array.from({ length: 10 }, () => insertDocument()));
      for (const id of ids) {
        const [a, b] = await Promise.all([claim(id, "job-A"), claim(id, "job-B")]);
        const winners = [a, b].filter((row) => row !== null);
        assert.equal(winners.length, 1, `document ${id}`);
        assert.equal((await stored(id)).processing_job_id, winners[0]?.processing_job_id);
      }
    });

    it("makes a claim that waits on another's row lock re-check the row", async () => {
      const id = await insertDocument();
      const holder = await pool.connect();
      try {
        await holder.query("BEGIN");
        assert.equal(
          (await claimDocument(holder, { id, workspaceId: workspaceA, jobId: "job-A", claimTtlMs: TTL_MS }))
            ?.processing_job_id,
          "job-A",
        );
        // Job B's UPDATE blocks on the row lock until A commits, then sees A's claim.
        const contender = claim(id, "job-B");
        await waitForLockWait(id);
        await holder.query("COMMIT");
        assert.equal(await contender, null);
      } finally {
        holder.release();
      }
      assert.equal((await stored(id)).processing_job_id, "job-A");
    });

    it("gives the document to the waiting job when the first claim rolls back", async () => {
      const id = await insertDocument();
      const holder = await pool.connect();
      try {
        await holder.query("BEGIN");
        await claimDocument(holder, { id, workspaceId: workspaceA, jobId: "job-A", claimTtlMs: TTL_MS });
        const contender = claim(id, "job-B");
        await waitForLockWait(id);
        await holder.query("ROLLBACK");
        assert.equal((await contender)?.processing_job_id, "job-B");
      } finally {
        holder.release();
      }
    });
  });

  /** Waits until some session is blocked on a lock (the contender's UPDATE). */
  async function waitForLockWait(id: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const waiting = await pool.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE documents%'`,
      );
      if (waiting.rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.fail(`no claim on ${id} ever waited for the row lock`);
  }

  describe("releaseClaim", () => {
    it("ends the holder's claim with FAILED and the message", async () => {
      const id = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: 1 });
      assert.equal(
        await releaseClaim(pool, { id, jobId: "job-A", status: "FAILED", errorMessage: "bad pdf" }),
        true,
      );
      assert.deepEqual(await stored(id), {
        status: "FAILED",
        processing_job_id: null,
        error_message: "bad pdf",
        claim_age_ms: null,
      });
    });

    it("puts the holder's document back to PENDING for a retry", async () => {
      const id = await insertDocument({ status: "PROCESSING", jobId: "job-A", claimAgeSeconds: 1 });
      assert.equal(
        await releaseClaim(pool, { id, jobId: "job-A", status: "PENDING", errorMessage: null }),
        true,
      );
      assert.deepEqual(await stored(id), {
        status: "PENDING",
        processing_job_id: null,
        error_message: null,
        claim_age_ms: null,
      });
      assert.equal((await claim(id, "job-B"))?.processing_job_id, "job-B", "claimable again");
    });

    it("leaves a claim that another job holds alone", async () => {
      const id = await insertDocument({ status: "PROCESSING", jobId: "job-B", claimAgeSeconds: 1 });
      assert.equal(
        await releaseClaim(pool, { id, jobId: "job-A", status: "FAILED", errorMessage: "late" }),
        false,
      );
      const state = await stored(id);
      assert.equal(state.status, "PROCESSING");
      assert.equal(state.processing_job_id, "job-B");
      assert.equal(state.error_message, null);
      assert.ok(state.claim_age_ms !== null);
    });

    it("does not touch a document that is no longer PROCESSING", async () => {
      const id = await insertDocument({ status: "READY", jobId: "job-A" });
      assert.equal(
        await releaseClaim(pool, { id, jobId: "job-A", status: "FAILED", errorMessage: "x" }),
        false,
      );
      const state = await stored(id);
      assert.equal(state.status, "READY");
      assert.equal(state.error_message, null);
    });
  });
});
