/**
 * Every way a document can end, as its thread reports it: one outcome kind each, decided by the
 * error's class alone (never by an error code combined with the drain flag).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "../support/bounded-test.js";
import pg from "pg";
import { loadConfig } from "../../src/config/config.js";
import type { DocumentStore, ReleaseRequest } from "../../src/db/document-store.js";
import type { Embedder } from "../../src/embed/embedder.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import { TransientError } from "../../src/errors/transient-error.js";
import { createLogger } from "../../src/logging/logger.js";
import { CancelFlag, type DocumentTask } from "../../src/protocol/thread-protocol.js";
import type { Storage } from "../../src/storage/storage.js";
import { processDocument, type PipelineDeps } from "../../src/threads/process-document.js";

const documentId = randomUUID();
const workspaceId = randomUUID();

function task(attempt: number, maxAttempts = 3): DocumentTask {
  return {
    jobId: "job-1",
    documentId,
    workspaceId,
    requestId: undefined,
    attempt,
    maxAttempts,
    timeLimitFlag: CancelFlag.create(),
    cancelledFlag: CancelFlag.create(),
  };
}

/** A claimed document whose file read ends as `read` says; the releases it was given are kept. */
function pipeline(read: () => Promise<Uint8Array>, options: { draining: boolean }) {
  const releases: ReleaseRequest[] = [];
  const row = {
    id: documentId,
    workspace_id: workspaceId,
    title: "t",
    file_name: "a.txt",
    mime_type: "text/plain",
    storage_key: "a.txt",
    status: "PENDING" as const,
    processing_job_id: null,
  };
  const store: DocumentStore = {
    schema: "ragworker",
    load: async () => ({ ...row, deleted: false }),
    claim: async () => ({ ...row, status: "PROCESSING" as const, processing_job_id: "job-1" }),
    release: async (_db, release) => {
      releases.push(release);
      return true;
    },
    replaceChunks: async () => {
      throw new Error("not reached");
    },
    findStoredEmbeddings: async () => new Map(),
    findCancelled: async () => new Set(),
    findStalePending: async () => [],
    findExpiredClaims: async () => [],
  };
  const storage: Storage = {
    description: "test",
    read,
    write: async () => undefined,
    probe: async () => undefined,
  };
  const embedder: Embedder = { model: "test", dimension: 4, embed: async () => [] };
  const pool = new pg.Pool({ max: 1 });
  const deps: PipelineDeps = {
    pool,
    storage,
    embedder,
    store,
    config: loadConfig({}),
    columnKind: "vector",
    logger: createLogger("silent"),
    threadId: 1,
    cancelled: () => options.draining,
    timedOut: () => false,
    cancelledByUser: () => false,
    progress: () => undefined,
  };
  return { deps, releases, close: () => pool.end() };
}

const text = async () => new TextEncoder().encode("Some text.");

describe("task outcomes, one meaning each", { timeout: 10_000 }, () => {
  it("an unexpected throw during the drain is a bug, retried as a failure: not handed back", async () => {
    const { deps, releases, close } = pipeline(
      async () => {
        throw new TypeError("a parser bug");
      },
      { draining: true },
    );
    try {
      const result = await processDocument(task(1), deps);
      assert.equal(result.kind, "unexpected-error");
      assert.deepEqual(
        result.kind === "unexpected-error" ? { code: result.code, message: result.message } : null,
        { code: "UNEXPECTED_ERROR", message: "a parser bug" },
      );
      assert.deepEqual(
        releases.map((release) => release.status),
        ["PENDING"],
        "the attempt is spent; the document waits for the retry",
      );
    } finally {
      await close();
    }
  });

  it("an unexpected throw on the last attempt fails the document", async () => {
    const { deps, releases, close } = pipeline(
      async () => {
        throw new Error("a parser bug");
      },
      { draining: false },
    );
    try {
      const result = await processDocument(task(3), deps);
      assert.equal(result.kind, "unexpected-error");
      assert.deepEqual(
        releases.map((release) => [release.status, release.errorMessage]),
        [["FAILED", "a parser bug"]],
      );
    } finally {
      await close();
    }
  });

  it("stopped at a checkpoint by the drain: handed back, the document PENDING even on its last attempt", async () => {
    const { deps, releases, close } = pipeline(text, { draining: true });
    try {
      const result = await processDocument(task(3), deps);
      assert.equal(result.kind, "handed-back");
      assert.deepEqual(
        releases.map((release) => release.status),
        ["PENDING"],
      );
    } finally {
      await close();
    }
  });

  it("a dependency's failure is retryable; during the drain too, it spends its attempt", async () => {
    const { deps, releases, close } = pipeline(
      async () => {
        throw new TransientError("STORAGE_UNAVAILABLE", "storage is down");
      },
      { draining: true },
    );
    try {
      const result = await processDocument(task(1), deps);
      assert.equal(result.kind, "failed-retryable");
      assert.equal(result.kind === "failed-retryable" ? result.code : null, "STORAGE_UNAVAILABLE");
      assert.deepEqual(
        releases.map((release) => release.status),
        ["PENDING"],
      );
    } finally {
      await close();
    }
  });

  it("a permanent failure fails the document at once, whatever the attempts left", async () => {
    const { deps, releases, close } = pipeline(
      async () => {
        throw new PermanentError("FILE_TOO_LARGE", "too big");
      },
      { draining: false },
    );
    try {
      const result = await processDocument(task(1), deps);
      assert.equal(result.kind, "failed-permanently");
      assert.deepEqual(
        releases.map((release) => [release.status, release.errorMessage]),
        [["FAILED", "too big"]],
      );
    } finally {
      await close();
    }
  });
});
