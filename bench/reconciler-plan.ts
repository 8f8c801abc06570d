/**
 * The reconciler's cost on a database with a million documents, on both schemas: fills a scratch
 * database (mostly READY, a few hundred PENDING and PROCESSING, old and new), then runs the
 * document store's two candidate queries exactly as the reconciler does, under
 * EXPLAIN (ANALYZE, BUFFERS), and times them. Writes the plans to /tmp/notes/reconciler-plan.md
 * (or --out) and drops the databases. Not a test.
 *
 *   npm run build && node --import tsx bench/reconciler-plan.ts [-- --documents 1000000 --out file]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import type pg from "pg";
import type { DatabaseSchema } from "../src/db/database-schema.js";
import { documentStore } from "../src/db/document-store.js";
import { migrate } from "../src/db/migrate.js";
import type { Queryable } from "../src/db/queryable.js";
import { FIRST_CANDIDATE_ID } from "../src/db/reconcile-candidates.js";
import { createRagCorpDatabase } from "../test/support/rag-corp-database.js";
import { createTestDatabase } from "../test/support/services.js";
import pgModule from "pg";

const { values } = parseArgs({
  options: {
    documents: { type: "string", default: "1000000" },
    out: { type: "string", default: "/tmp/notes/reconciler-plan.md" },
  },
});
const total = Number(values.documents);
// One in 5,000 of each: 200 stale PENDING, 200 PROCESSING, 200 PENDING too young, per million.
const EVERY = 5_000;
let server = "?";
const settings = { limit: 500, olderThanMs: 600_000, claimTtlMs: 600_000, afterId: FIRST_CANDIDATE_ID };

/** The status and age of row `i` (SQL over generate_series' i). */
const STATUS = `CASE i % ${EVERY} WHEN 0 THEN 'PENDING' WHEN 1 THEN 'PROCESSING' WHEN 2 THEN 'PENDING' ELSE 'READY' END`;
const AGE = `CASE WHEN i % ${EVERY} = 2 THEN now() ELSE now() - interval '1 hour' END`;

async function fill(db: pg.Pool, schema: DatabaseSchema): Promise<void> {
  const workspace = await db.query<{ id: string }>(
    schema === "rag-corp"
      ? "INSERT INTO workspaces (id, name) VALUES (gen_random_uuid(), 'bench') RETURNING id"
      : "INSERT INTO workspaces (name) VALUES ('bench') RETURNING id",
  );
  const workspaceId = workspace.rows[0]?.id;
  for (let start = 0; start < total; start += 200_000) {
    const end = Math.min(total, start + 200_000) - 1;
    await db.query(
      schema === "rag-corp"
        ? `INSERT INTO documents (id, workspace_id, title, file_name, mime_type, storage_key, status, created_at)
           SELECT gen_random_uuid(), $1, 'doc ' || i, 'd.txt', 'text/plain', 'k/' || i, ${STATUS}, ${AGE}
             FROM generate_series($2::int, $3::int) AS i`
        : `INSERT INTO documents (workspace_id, title, file_name, mime_type, storage_key, status,
                                  processing_started_at, updated_at)
           SELECT $1, 'doc ' || i, 'd.txt', 'text/plain', 'k/' || i, ${STATUS},
                  CASE WHEN i % ${EVERY} = 1 THEN now() - interval '1 hour' END, ${AGE}
             FROM generate_series($2::int, $3::int) AS i`,
      [workspaceId, start, end],
    );
  }
  if (schema === "rag-corp") {
    // Half of rag-corp's PROCESSING documents have an expired ragworker claim; the rest none.
    await db.query(
      `INSERT INTO ragworker_claims (document_id, job_id, claimed_at)
       SELECT id, 'job', now() - interval '1 hour' FROM documents WHERE status = 'PROCESSING' AND random() < 0.5`,
    );
  }
  await db.query("VACUUM ANALYZE documents");
}

/** A connection that runs each query under EXPLAIN (ANALYZE, BUFFERS) and keeps the plan. */
function explaining(db: pg.Pool, plans: string[]): Queryable {
  return {
    async query<R extends object>(sql: string, params?: unknown[]) {
      const result = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      plans.push(result.rows.map((row) => row["QUERY PLAN"]).join("\n"));
      return { rows: [] as R[] };
    },
  };
}

async function timed(work: () => Promise<unknown>): Promise<{ median: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let run = 0; run < 7; run += 1) {
    const started = performance.now();
    const result = await work();
    times.push(performance.now() - started);
    rows = Array.isArray(result) ? result.length : 0;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? 0, rows };
}

async function measure(schema: DatabaseSchema): Promise<string> {
  const ragCorp = schema === "rag-corp" ? await createRagCorpDatabase("bench-reconcile") : null;
  const database = ragCorp?.database ?? (await createTestDatabase("bench-reconcile"));
  const db = ragCorp?.db ?? new pgModule.Pool({ connectionString: database.url, max: 2 });
  try {
    const client = await db.connect();
    try {
      await migrate(client, { embeddingDim: 768 });
    } finally {
      client.release();
    }
    const filling = performance.now();
    await fill(db, schema);
    console.log(`${schema}: ${total} documents in ${((performance.now() - filling) / 1000).toFixed(0)} s`);
    const store = documentStore(schema);
    const plans: string[] = [];
    await store.findStalePending(explaining(db, plans), settings);
    await store.findExpiredClaims(explaining(db, plans), settings);
    const pending = await timed(() => store.findStalePending(db, settings));
    const processing = await timed(() => store.findExpiredClaims(db, settings));
    // A backlog: a tenth of the documents PENDING an hour (their jobs would be alive, but the
    // query reads them all the same): the page must still be read in id order, not sorted whole.
    await db.query(`UPDATE documents SET status = 'PENDING' WHERE status = 'READY' AND random() < 0.1`);
    await db.query("VACUUM ANALYZE documents");
    const backlog = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM documents WHERE status = 'PENDING'",
    );
    await store.findStalePending(explaining(db, plans), settings);
    const backlogged = await timed(() => store.findStalePending(db, settings));
    const size = await db.query<{ table: string; indexes: string }>(
      `SELECT pg_size_pretty(pg_table_size('documents')) AS table,
              pg_size_pretty(pg_indexes_size('documents')) AS indexes`,
    );
    const version = await db.query<{ server_version: string }>("SHOW server_version");
    server = version.rows[0]?.server_version ?? server;
    return [
      `## ${schema} schema`,
      "",
      `documents: ${total} rows (table ${size.rows[0]?.table}, its indexes ${size.rows[0]?.indexes}); ` +
        `median of 7 runs from the client: PENDING query ${pending.median.toFixed(2)} ms (${pending.rows} rows), ` +
        `PROCESSING query ${processing.median.toFixed(2)} ms (${processing.rows} rows)`,
      "",
      "### PENDING older than RECONCILE_PENDING_AGE_MS (findStalePending)",
      "",
      "```",
      plans[0] ?? "",
      "```",
      "",
      "### PROCESSING past CLAIM_TTL_MS (findExpiredClaims)",
      "",
      "```",
      plans[1] ?? "",
      "```",
      "",
      `### The PENDING query with a backlog: ${backlog.rows[0]?.n ?? "?"} documents PENDING`,
      "",
      `median of 7 runs from the client: ${backlogged.median.toFixed(2)} ms (${backlogged.rows} rows)`,
      "",
      "```",
      plans[2] ?? "",
      "```",
      "",
    ].join("\n");
  } finally {
    if (ragCorp) await ragCorp.close();
    else {
      await db.end();
      await database.drop();
    }
  }
}

const sections = [await measure("ragworker"), await measure("rag-corp")];
const report = [
  "# The reconciler's queries on 1,000,000 documents",
  "",
  `\`node --import tsx bench/reconciler-plan.ts --documents ${total}\` on PostgreSQL ${server}, ${new Date().toISOString()}.`,
  `Per ${EVERY} documents: 1 PENDING an hour old (a candidate), 1 PROCESSING claimed an hour ago (a candidate),`,
  `1 PENDING just now (too young); the rest READY. LIMIT 500, RECONCILE_PENDING_AGE_MS and CLAIM_TTL_MS 10 minutes.`,
  "",
  ...sections,
].join("\n");
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, report);
console.log(report);
