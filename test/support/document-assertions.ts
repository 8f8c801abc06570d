/** Checks shared by the drain and fault tests: nothing lost, nothing stuck, nothing doubled. */
import assert from "node:assert/strict";
import type { Job } from "bullmq";
import type { TestEnvironment } from "./test-environment.js";

/**
 * Every job completed, every document READY, and its chunk indexes exactly 0..n-1: a duplicate
 * or a hole would show as a count that differs from the distinct indexes or the highest one.
 */
export async function assertDocumentsReadyExactly(
  env: TestEnvironment,
  entries: ReadonlyArray<{ job: Job; documentId: string }>,
): Promise<void> {
  const outcomes = await Promise.all(entries.map(({ job }) => env.finished(job)));
  for (const outcome of outcomes) assert.equal(outcome.state, "completed", JSON.stringify(outcome));
  await assertDocumentRowsReadyExactly(
    env,
    entries.map((entry) => entry.documentId),
  );
}

/**
 * The rows' half of assertDocumentsReadyExactly, for documents whose jobs may be gone (a Redis
 * failover lost them and the reconciler enqueued new ones): every document READY, chunks exact.
 */
export async function assertDocumentRowsReadyExactly(
  env: TestEnvironment,
  documentIds: readonly string[],
): Promise<void> {
  const rows = await env.db.query<{
    status: string;
    chunks: string;
    distinct_indexes: string;
    max_index: number | null;
  }>(
    `SELECT d.status, count(c.id) AS chunks, count(DISTINCT c.chunk_index) AS distinct_indexes,
            max(c.chunk_index) AS max_index
       FROM documents d LEFT JOIN chunks c ON c.document_id = d.id
      WHERE d.id = ANY($1::uuid[]) GROUP BY d.id, d.status`,
    [documentIds],
  );
  assert.equal(rows.rows.length, documentIds.length);
  for (const row of rows.rows) {
    assert.equal(row.status, "READY");
    assert.ok(Number(row.chunks) > 0);
    assert.equal(Number(row.distinct_indexes), Number(row.chunks));
    assert.equal(Number(row.max_index), Number(row.chunks) - 1);
  }
}
