/**
 * A scenario's load and its accounting: hundreds of real documents stored and enqueued the way
 * the API does it, then a tally of how each one ended, straight from PostgreSQL and the queue.
 */
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DEFAULT_DOCUMENT_JOB_OPTIONS } from "../src/producer/enqueue-document.js";
import { DOCUMENT_JOB_NAME } from "../src/producer/document-job.js";
import type { Storage } from "../src/storage/storage.js";
import type { TestEnvironment } from "../test/support/test-environment.js";
import { paragraphsOfText } from "../test/support/document-fixtures.js";

export interface LoadedDocument {
  readonly documentId: string;
  readonly jobId: string;
}

/**
 * Stores `count` text documents, inserts their rows in one statement and enqueues them in bulk;
 * with `enqueue: false` only the rows (an API that died before enqueueing; jobId is then "").
 * `storage` puts the files there (an S3 bucket) instead of the environment's directory;
 * `attempts` replaces the producer's default (rag-corp's API enqueues with 3).
 */
export async function loadDocuments(
  env: TestEnvironment,
  options: {
    count: number;
    bytes: number | ((index: number) => number);
    seed: number;
    enqueue?: boolean;
    storage?: Storage;
    attempts?: number;
  },
): Promise<LoadedDocument[]> {
  const workspaceId = await env.createWorkspace(`faults-${options.seed}`);
  const rows = Array.from({ length: options.count }, (_, i) => {
    const documentId = randomUUID();
    return { documentId, fileName: `doc-${options.seed + i}.txt`, seed: options.seed + i };
  });
  const bytes = options.bytes;
  const sizeOf = typeof bytes === "number" ? () => bytes : bytes;
  for (let start = 0; start < rows.length; start += 200) {
    await Promise.all(
      rows.slice(start, start + 200).map(async (row, i) => {
        const key = `${workspaceId}/${row.documentId}/${row.fileName}`;
        const text = paragraphsOfText(row.seed, sizeOf(start + i));
        if (options.storage) {
          await options.storage.write(key, new TextEncoder().encode(text));
          return;
        }
        const path = join(env.storageDir, key);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
      }),
    );
  }
  await env.db.query(
    `INSERT INTO documents (id, workspace_id, title, file_name, mime_type, storage_key, status)
     SELECT id, $2::uuid, name, name, 'text/plain', $2::text || '/' || id || '/' || name, 'PENDING'
       FROM unnest($1::uuid[], $3::text[]) AS t(id, name)`,
    [rows.map((row) => row.documentId), workspaceId, rows.map((row) => row.fileName)],
  );
  if (options.enqueue === false) return rows.map((row) => ({ documentId: row.documentId, jobId: "" }));
  const jobs = await env.producer.queue.addBulk(
    rows.map((row) => ({
      name: DOCUMENT_JOB_NAME,
      data: { documentId: row.documentId, workspaceId },
      opts:
        options.attempts === undefined
          ? DEFAULT_DOCUMENT_JOB_OPTIONS
          : { ...DEFAULT_DOCUMENT_JOB_OPTIONS, attempts: options.attempts },
    })),
  );
  return rows.map((row, i) => ({ documentId: row.documentId, jobId: jobs[i]?.id ?? "" }));
}

export interface Tally {
  readonly documents: number;
  readonly ready: number;
  readonly failed: number;
  /** Neither READY nor FAILED-with-a-reason, and not PROCESSING: nothing will finish them. */
  readonly lost: number;
  readonly stuckProcessing: number;
  /** Chunk rows beyond one per (document, chunk_index), plus READY documents with holes. */
  readonly duplicatedChunks: number;
  readonly failureReasons: Record<string, number>;
}

export async function tally(env: TestEnvironment, documents: readonly LoadedDocument[]): Promise<Tally> {
  const result = await env.db.query<{
    status: string;
    error_message: string | null;
    chunks: string;
    distinct_indexes: string;
    max_index: number | null;
  }>(
    `SELECT d.status, d.error_message, count(c.id) AS chunks,
            count(DISTINCT c.chunk_index) AS distinct_indexes, max(c.chunk_index) AS max_index
       FROM documents d LEFT JOIN chunks c ON c.document_id = d.id
      WHERE d.id = ANY($1::uuid[]) GROUP BY d.id`,
    [documents.map((document) => document.documentId)],
  );
  let ready = 0;
  let failed = 0;
  let stuckProcessing = 0;
  let duplicatedChunks = 0;
  const failureReasons: Record<string, number> = {};
  for (const row of result.rows) {
    const chunks = Number(row.chunks);
    const distinct = Number(row.distinct_indexes);
    duplicatedChunks += chunks - distinct;
    if (row.status === "READY") {
      ready += 1;
      if (chunks === 0 || row.max_index !== chunks - 1) duplicatedChunks += 1;
    } else if (row.status === "FAILED" && (row.error_message ?? "") !== "") {
      failed += 1;
      const code = (row.error_message ?? "").split(":")[0] ?? "";
      failureReasons[code] = (failureReasons[code] ?? 0) + 1;
    } else if (row.status === "PROCESSING") {
      stuckProcessing += 1;
    }
  }
  return {
    documents: documents.length,
    ready,
    failed,
    lost: documents.length - ready - failed - stuckProcessing,
    stuckProcessing,
    duplicatedChunks,
    failureReasons,
  };
}

/** Polls PostgreSQL until every document is READY or FAILED; returns false at the deadline. */
export async function waitUntilAllFinal(
  env: TestEnvironment,
  documents: readonly LoadedDocument[],
  timeoutMs: number,
): Promise<boolean> {
  return waitUntil(async () => (await countFinal(env, documents)) === documents.length, timeoutMs);
}

export async function countFinal(
  env: TestEnvironment,
  documents: readonly LoadedDocument[],
): Promise<number> {
  const result = await env.db.query<{ final: string }>(
    "SELECT count(*) AS final FROM documents WHERE id = ANY($1::uuid[]) AND status IN ('READY', 'FAILED')",
    [documents.map((document) => document.documentId)],
  );
  return Number(result.rows[0]?.final ?? 0);
}

/** Polls a condition every 100 ms: the suite waits on states, never on fixed sleeps. */
export async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return true;
    } catch {
      // A service the scenario stopped on purpose; the next poll tries again.
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Documents of the scenario's database that are READY now. */
export async function countReady(env: TestEnvironment): Promise<number> {
  const result = await env.db.query<{ n: string }>(
    "SELECT count(*) AS n FROM documents WHERE status = 'READY'",
  );
  return Number(result.rows[0]?.n ?? 0);
}

/** Waits until a quarter of the load is READY: the moment the scenarios strike "mid-load". */
export async function waitUntilQuarterReady(
  env: TestEnvironment,
  documents: readonly LoadedDocument[],
): Promise<void> {
  await waitUntil(async () => (await countReady(env)) >= documents.length / 4, 120_000);
}
