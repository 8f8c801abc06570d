/**
 * A database shaped like rag-corp's at schema revision "010" (test/fixtures/rag-corp/schema.sql),
 * for tests that run ragworker against the tables it must share with rag-corp's API.
 *
 * Also the rows rag-corp's upload leaves behind (a workspace, a PENDING document), and
 * describeTables, a comparable description of tables for checking that a schema is unchanged.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { migrate } from "../../src/db/migrate.js";
import type { Queryable } from "../../src/db/queryable.js";
import type { Storage } from "../../src/storage/storage.js";
import { createTestDatabase, type TestDatabase } from "./services.js";

/** This project's DDL of the rag-corp tables ragworker works on. */
export const RAG_CORP_SCHEMA_PATH = fileURLToPath(
  new URL("../fixtures/rag-corp/schema.sql", import.meta.url),
);

/**
 * The interoperability kit's dump of rag-corp's schema: `../shared/rag-corp/schema.sql` from the
 * repository root (the shared folder sits beside the checkout in development and CI). A clone
 * without it still has everything else.
 */
export const RAG_CORP_KIT_SCHEMA_PATH = fileURLToPath(
  new URL("../../../shared/rag-corp/schema.sql", import.meta.url),
);

/** The tables of the fixture, parents before children. */
export const RAG_CORP_TABLES = [
  "alembic_version",
  "users",
  "workspaces",
  "documents",
  "chunks",
  "nodes",
] as const;

export const RAG_CORP_HEAD_REVISION = "010";
export const RAG_CORP_EMBEDDING_DIM = 768;

export type FtsLanguage = "spanish" | "english" | "simple";

export interface RagCorpWorkspaceInput {
  readonly id?: string;
  readonly name?: string;
  /** rag-corp's default is `spanish`. */
  readonly ftsLanguage?: FtsLanguage;
  readonly ownerUserId?: string | null;
}

export interface RagCorpUploadInput {
  readonly workspaceId: string;
  readonly fileName: string;
  readonly bytes: Uint8Array | string;
  /** rag-corp's upload accepts PDF and DOCX only; the worker also reads text/plain. */
  readonly mimeType?: string;
  /** Else the file name, else `documento`; cut to 200 characters. */
  readonly title?: string;
  readonly source?: string | null;
  /** `tags` and `allowed_roles` come from `metadata.tags` / `metadata.allowed_roles`. */
  readonly metadata?: Record<string, unknown>;
  readonly uploadedByUserId?: string | null;
  readonly documentId?: string;
  /** Where the bytes go under the storage key; without it only the row is written. */
  readonly storage?: Storage;
}

export interface RagCorpUpload {
  readonly documentId: string;
  readonly storageKey: string;
  readonly contentHash: string;
  /** true when a live document with the same content hash existed: nothing was written. */
  readonly deduplicated: boolean;
}

export interface RagCorpDatabase {
  readonly database: TestDatabase;
  readonly db: pg.Pool;
  /** Inserts a workspace as rag-corp's API does (its own uuid, `fts_language`); returns the id. */
  createWorkspace(input?: RagCorpWorkspaceInput): Promise<string>;
  /** A document row as rag-corp's upload leaves it: status PENDING, ready for a job. */
  uploadDocument(input: RagCorpUploadInput): Promise<RagCorpUpload>;
  close(): Promise<void>;
}

/** An isolated database (dropped by close) holding the fixture's schema and head revision. */
export async function createRagCorpDatabase(label: string): Promise<RagCorpDatabase> {
  const database = await createTestDatabase(label);
  try {
    await loadSqlFile(database.url, RAG_CORP_SCHEMA_PATH, { requireVector: true });
  } catch (error) {
    await database.drop().catch(() => undefined);
    throw error;
  }
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  db.on("error", () => undefined);
  let closed = false;
  return {
    database,
    db,
    async createWorkspace(input = {}) {
      const id = input.id ?? randomUUID();
      await db.query(
        `INSERT INTO workspaces (id, name, owner_user_id, fts_language)
         VALUES ($1, $2, $3, COALESCE($4, 'spanish'))`,
        [
          id,
          input.name ?? `workspace ${id.slice(0, 8)}`,
          input.ownerUserId ?? null,
          input.ftsLanguage ?? null,
        ],
      );
      return id;
    },
    uploadDocument: (input) => uploadDocument(db, input),
    async close() {
      if (closed) return;
      closed = true;
      await db.end();
      await database.drop();
    },
  };
}

/** A rag-corp database with ragworker's own tables migrated in (768 dimensions, as rag-corp's). */
export async function createMigratedRagCorpDatabase(label: string): Promise<RagCorpDatabase> {
  const ragCorp = await createRagCorpDatabase(label);
  try {
    const client = await ragCorp.db.connect();
    try {
      await migrate(client, { embeddingDim: 768 });
    } finally {
      client.release();
    }
  } catch (error) {
    await ragCorp.close();
    throw error;
  }
  return ragCorp;
}

/** rag-corp's dedup key: SHA-256 (hex) of the workspace id, a colon, then the file's bytes. */
export function ragCorpContentHash(workspaceId: string, bytes: Uint8Array | string): string {
  return createHash("sha256").update(`${workspaceId}:`).update(toBytes(bytes)).digest("hex");
}

/** Where rag-corp's upload puts a file: `documents/{document_id}/{file_name}`. */
export function ragCorpStorageKey(documentId: string, fileName: string): string {
  const name = fileName.trim();
  return `documents/${documentId}/${name === "" ? "file" : name}`;
}

async function uploadDocument(db: pg.Pool, input: RagCorpUploadInput): Promise<RagCorpUpload> {
  const bytes = toBytes(input.bytes);
  const contentHash = ragCorpContentHash(input.workspaceId, bytes);
  const live = await db.query<{ id: string; storage_key: string | null }>(
    `SELECT id, storage_key FROM documents
      WHERE workspace_id = $1 AND content_hash = $2 AND deleted_at IS NULL LIMIT 1`,
    [input.workspaceId, contentHash],
  );
  const existing = live.rows[0];
  if (existing) {
    return {
      documentId: existing.id,
      storageKey: existing.storage_key ?? "",
      contentHash,
      deduplicated: true,
    };
  }

  const documentId = input.documentId ?? randomUUID();
  const storageKey = ragCorpStorageKey(documentId, input.fileName);
  const mimeType = input.mimeType ?? "application/pdf";
  await input.storage?.write(storageKey, bytes);

  const metadata = input.metadata ?? {};
  const title = (input.title?.trim() || input.fileName.trim() || "documento").slice(0, 200);
  // Two statements, as the upload makes them: the row (an upsert on id), then its file fields.
  await db.query(
    `INSERT INTO documents
       (id, workspace_id, title, source, metadata, tags, allowed_roles, content_hash, external_source_id)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::varchar[], $7::varchar[], $8, NULL)
     ON CONFLICT (id) DO UPDATE SET
       title = EXCLUDED.title, source = EXCLUDED.source, metadata = EXCLUDED.metadata,
       tags = EXCLUDED.tags, allowed_roles = EXCLUDED.allowed_roles,
       content_hash = EXCLUDED.content_hash, external_source_id = EXCLUDED.external_source_id`,
    [
      documentId,
      input.workspaceId,
      title,
      input.source ?? null,
      JSON.stringify(metadata),
      stringList(metadata["tags"]),
      stringList(metadata["allowed_roles"]),
      contentHash,
    ],
  );
  await db.query(
    `UPDATE documents
        SET file_name = $2, mime_type = $3, storage_key = $4, uploaded_by_user_id = $5,
            status = 'PENDING', error_message = NULL
      WHERE id = $1`,
    [documentId, input.fileName, mimeType, storageKey, input.uploadedByUserId ?? null],
  );
  return { documentId, storageKey, contentHash, deduplicated: false };
}

// ------------------------------------------------------------------------------------------------
// Loading SQL files

/**
 * What a driver cannot run from a pg_dump file: psql meta-commands (`\restrict` and the like), and
 * `COMMENT ON EXTENSION`, which only the extension's owner may run (here the superuser that put
 * pgvector into template1).
 */
export function stripForDriver(sql: string): string {
  return sql
    .split("\n")
    .filter((line) => !/^\s*\\/.test(line) && !/^\s*COMMENT ON EXTENSION\b/i.test(line))
    .join("\n");
}

/**
 * Runs a SQL file in one transaction on its own connection (a dump may change the session's
 * search_path, which must not leak into a pooled connection).
 */
export async function loadSqlFile(
  url: string,
  path: string,
  options: { requireVector?: boolean } = {},
): Promise<void> {
  const sql = stripForDriver(await readFile(path, "utf8"));
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    if (options.requireVector) await assertVectorUsable(client);
    await client.query(`BEGIN;\n${sql}\n;COMMIT;`);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Fails with what to do when pgvector's `vector` extension is neither in the database nor
 * creatable by this role (creating it needs a superuser).
 */
export async function assertVectorUsable(client: Queryable): Promise<void> {
  const present = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
  if (present.rows.length > 0) return;
  const available = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  const superuser = await client.query<{ rolsuper: boolean }>(
    "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
  );
  if (available.rows.length > 0 && superuser.rows[0]?.rolsuper === true) return;
  throw new Error(
    available.rows.length === 0
      ? "pgvector is not installed in the test PostgreSQL server: run `bash scripts/services.sh up` " +
          "(it installs it into a local Debian PostgreSQL), or install pgvector for the server"
      : "pgvector is installed but this database has no `vector` extension and the test role cannot " +
          "create it (it needs a superuser): run `bash scripts/services.sh up`, which creates it in template1",
  );
}

// ------------------------------------------------------------------------------------------------
// Describing tables

export interface ColumnDescription {
  readonly name: string;
  /** format_type(): `character varying(500)`, `vector(768)`, `timestamp with time zone`… */
  readonly type: string;
  readonly notNull: boolean;
  /** The default expression as PostgreSQL prints it, or null. */
  readonly default: string | null;
  /** `s` for a stored generated column, `` otherwise. */
  readonly generated: string;
  readonly identity: string;
}

export interface NamedDefinition {
  readonly name: string;
  readonly definition: string;
}

export interface ConstraintDescription extends NamedDefinition {
  /** pg_constraint.contype: p primary key, u unique, f foreign key, c check, x exclusion. */
  readonly type: string;
}

export interface TableDescription {
  readonly table: string;
  readonly exists: boolean;
  /** In column order. */
  readonly columns: readonly ColumnDescription[];
  /** Sorted by name. */
  readonly constraints: readonly ConstraintDescription[];
  /** Sorted by name; pg_get_indexdef() with the schema prefix removed. */
  readonly indexes: readonly NamedDefinition[];
  /** User triggers (not the internal ones behind foreign keys), sorted by name. */
  readonly triggers: readonly NamedDefinition[];
}

/**
 * A normalized description of tables in the current schema, for deepEqual: two databases with
 * the same DDL give equal descriptions whatever the order or spelling of the statements that made
 * them. Names of constraints and indexes count, since code and migrations refer to them.
 */
export async function describeTables(db: Queryable, tables: readonly string[]): Promise<TableDescription[]> {
  const descriptions: TableDescription[] = [];
  for (const table of tables) {
    const found = await db.query<{ oid: number }>(
      `SELECT c.oid::int AS oid FROM pg_class c
        WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace`,
      [table],
    );
    const oid = found.rows[0]?.oid;
    if (oid === undefined) {
      descriptions.push({ table, exists: false, columns: [], constraints: [], indexes: [], triggers: [] });
      continue;
    }
    const columns = await db.query<ColumnDescription>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
              pg_get_expr(d.adbin, d.adrelid) AS default, a.attgenerated::text AS generated,
              a.attidentity::text AS identity
         FROM pg_attribute a
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [oid],
    );
    const constraints = await db.query<ConstraintDescription>(
      `SELECT conname AS name, contype::text AS type, pg_get_constraintdef(oid, true) AS definition
         FROM pg_constraint WHERE conrelid = $1::oid ORDER BY conname`,
      [oid],
    );
    const indexes = await db.query<NamedDefinition>(
      `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = $1::oid ORDER BY i.relname`,
      [oid],
    );
    const triggers = await db.query<NamedDefinition>(
      `SELECT tgname AS name, pg_get_triggerdef(oid, true) AS definition
         FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal ORDER BY tgname`,
      [oid],
    );
    descriptions.push({
      table,
      exists: true,
      columns: columns.rows.map((column) => ({ ...column, default: normalizeSql(column.default) })),
      constraints: constraints.rows.map((row) => ({
        ...row,
        definition: normalizeSql(row.definition) ?? "",
      })),
      indexes: indexes.rows.map((row) => ({ ...row, definition: normalizeSql(row.definition) ?? "" })),
      triggers: triggers.rows.map((row) => ({ ...row, definition: normalizeSql(row.definition) ?? "" })),
    });
  }
  return descriptions;
}

/**
 * One spelling for what PostgreSQL prints: no `public.` prefixes (they depend on the search_path
 * of whoever asks), single spaces.
 */
function normalizeSql(text: string | null): string | null {
  if (text === null) return null;
  return text
    .replace(/\bpublic\./g, "")
    .replace(/\s+/g, " ")
    .trim();
}

function toBytes(bytes: Uint8Array | string): Uint8Array {
  return typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** Whether the kit's schema dump is beside the checkout. */
export function ragCorpKitAvailable(): boolean {
  return existsSync(RAG_CORP_KIT_SCHEMA_PATH);
}
