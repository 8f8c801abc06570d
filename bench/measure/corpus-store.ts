/**
 * Puts the corpus files in the benchmark's storage directory once; each run then gets a new
 * workspace with its own document rows pointing at them. A new workspace per run matters: the
 * pipeline reuses stored embeddings of identical chunks within a workspace, which would turn a
 * repeated run into a lookup instead of work.
 */
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type pg from "pg";
import type { CorpusDocument } from "../corpus/generate-corpus.js";
import type { JobData } from "./run-jobs.js";

export interface StoredFile {
  readonly storageKey: string;
  readonly fileName: string;
  readonly bytes: number;
}

export async function storeCorpus(
  storageDir: string,
  prefix: string,
  documents: readonly CorpusDocument[],
): Promise<StoredFile[]> {
  return Promise.all(
    documents.map(async (document) => {
      const storageKey = `${prefix}/${document.fileName}`;
      const path = join(storageDir, storageKey);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, document.bytes);
      return { storageKey, fileName: document.fileName, bytes: document.bytes.byteLength };
    }),
  );
}

/** A new workspace with one PENDING document per file, in one statement; returns the jobs' data. */
export async function insertDocuments(db: pg.Pool, files: readonly StoredFile[]): Promise<JobData[]> {
  const workspace = await db.query<{ id: string }>(
    "INSERT INTO workspaces (name) VALUES ('bench') RETURNING id",
  );
  const workspaceId = workspace.rows[0]?.id;
  if (!workspaceId) throw new Error("workspace insert returned nothing");
  const ids = files.map(() => randomUUID());
  await db.query(
    `INSERT INTO documents (id, workspace_id, title, file_name, storage_key, status)
     SELECT t.id, $1, t.file_name, t.file_name, t.storage_key, 'PENDING'
       FROM unnest($2::uuid[], $3::text[], $4::text[]) AS t(id, file_name, storage_key)`,
    [workspaceId, ids, files.map((file) => file.fileName), files.map((file) => file.storageKey)],
  );
  return ids.map((documentId) => ({ documentId, workspaceId }));
}

/** A new workspace with `count` documents READY already (jobs that need no work). */
export async function insertReadyDocuments(db: pg.Pool, count: number): Promise<JobData[]> {
  const workspace = await db.query<{ id: string }>(
    "INSERT INTO workspaces (name) VALUES ('bench no-op') RETURNING id",
  );
  const workspaceId = workspace.rows[0]?.id;
  if (!workspaceId) throw new Error("workspace insert returned nothing");
  const ids = Array.from({ length: count }, () => randomUUID());
  await db.query(
    `INSERT INTO documents (id, workspace_id, title, status)
     SELECT t.id, $1, 'ready', 'READY' FROM unnest($2::uuid[]) AS t(id)`,
    [workspaceId, ids],
  );
  return ids.map((documentId) => ({ documentId, workspaceId }));
}

/**
 * Drops a run's workspace with its documents and chunks, so the database does not grow run after
 * run, then vacuums them before the next run starts: a run deletes about 7,000 chunks of 4 KB,
 * and autovacuum would otherwise clean them up during the next contender's run, on its time.
 */
export async function dropWorkspace(db: pg.Pool, workspaceId: string): Promise<void> {
  await db.query("DELETE FROM workspaces WHERE id = $1", [workspaceId]);
  await db.query("VACUUM (ANALYZE) chunks, documents");
}
