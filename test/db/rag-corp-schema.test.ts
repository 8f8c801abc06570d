/**
 * The project's DDL of rag-corp's tables (test/fixtures/rag-corp/schema.sql) against the kit's
 * dump of rag-corp's real schema, and the helpers built on it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "../support/bounded-test.js";

import { readFile, writeFile } from "node:fs/promises";
import pg from "pg";

import {
  RAG_CORP_EMBEDDING_DIM,
  RAG_CORP_HEAD_REVISION,
  RAG_CORP_KIT_SCHEMA_PATH,
  RAG_CORP_TABLES,
  createRagCorpDatabase,
  describeTables,
  loadSqlFile,
  ragCorpContentHash,
  ragCorpKitAvailable,
  ragCorpStorageKey,
  stripForDriver,
  type RagCorpDatabase,
  type TableDescription,
} from "../support/rag-corp-database.js";
import { createTestDatabase, type TestDatabase } from "../support/services.js";

function byName<T extends { name: string }>(items: readonly T[], name: string): T | undefined {
  return items.find((item) => item.name === name);
}

/**
 * A CHECK written `col IN ('a', 'b')` on a varchar is stored as `col::text = ANY (ARRAY['a'::varchar,
 * 'b'::varchar]::text[])`; pg_dump prints that, and loading the printed form back stores the casts
 * per element instead (`ARRAY['a'::varchar::text, …]`): the same test, printed differently (the kit
 * notes this for its re-dumps). This puts both spellings in the second form.
 */
function sameArrayCasts(definition: string): string {
  return definition.replace(
    /ARRAY\[([^\]]*)\]::text\[\]/g,
    (_, items: string) =>
      `ARRAY[${items
        .split(", ")
        .map((item) => `${item}::text`)
        .join(", ")}]`,
  );
}

function withSameArrayCasts(descriptions: readonly TableDescription[]): TableDescription[] {
  return descriptions.map((description) => ({
    ...description,
    constraints: description.constraints.map((constraint) => ({
      ...constraint,
      definition: sameArrayCasts(constraint.definition),
    })),
  }));
}

function table(descriptions: readonly TableDescription[], name: string): TableDescription {
  const found = descriptions.find((description) => description.table === name);
  assert.ok(found?.exists, `table ${name} exists`);
  return found;
}

describe("rag-corp fixture schema", () => {
  let ragCorp: RagCorpDatabase;
  let described: TableDescription[];

  before(async () => {
    ragCorp = await createRagCorpDatabase("rag_corp_fixture");
    described = await describeTables(ragCorp.db, RAG_CORP_TABLES);
  });

  after(async () => {
    await ragCorp?.close();
  });

  it("holds the head revision 010", async () => {
    const rows = await ragCorp.db.query<{ version_num: string }>("SELECT version_num FROM alembic_version");
    assert.deepEqual(rows.rows, [{ version_num: RAG_CORP_HEAD_REVISION }]);
  });

  it("has the facts a writer must respect (chunks, documents, workspaces)", () => {
    const chunks = table(described, "chunks");
    assert.deepEqual(byName(chunks.columns, "id"), {
      name: "id",
      type: "uuid",
      notNull: true,
      default: null,
      generated: "",
      identity: "",
    });
    assert.deepEqual(byName(chunks.columns, "tsv"), {
      name: "tsv",
      type: "tsvector",
      notNull: true,
      default: null,
      generated: "",
      identity: "",
    });
    assert.equal(byName(chunks.columns, "embedding")?.type, `vector(${RAG_CORP_EMBEDDING_DIM})`);
    assert.equal(byName(chunks.columns, "embedding")?.notNull, true);
    assert.match(
      byName(chunks.indexes, "ix_chunks_embedding_hnsw")?.definition ?? "",
      /USING hnsw \(embedding vector_cosine_ops\) WITH \(m='16', ef_construction='64'\)/,
    );
    assert.match(byName(chunks.indexes, "ix_chunks_tsv")?.definition ?? "", /USING gin \(tsv\)/);
    assert.doesNotMatch(
      byName(chunks.indexes, "ix_chunks_document_id_chunk_index")?.definition ?? "",
      /UNIQUE/,
      "(document_id, chunk_index) is not unique",
    );

    const documents = table(described, "documents");
    assert.match(
      byName(documents.indexes, "ix_documents_workspace_content_hash")?.definition ?? "",
      /^CREATE UNIQUE INDEX .* \(workspace_id, content_hash\) WHERE \(content_hash IS NOT NULL\)$/,
    );
    assert.deepEqual(
      documents.constraints.filter((constraint) => constraint.type === "c"),
      [],
      "documents.status has no CHECK",
    );

    const workspaces = table(described, "workspaces");
    assert.deepEqual(byName(workspaces.columns, "fts_language"), {
      name: "fts_language",
      type: "character varying(20)",
      notNull: true,
      default: "'spanish'::character varying",
      generated: "",
      identity: "",
    });
    assert.match(
      byName(workspaces.constraints, "ck_workspaces_fts_language")?.definition ?? "",
      /spanish.*english.*simple/,
    );
  });

  it("rejects a workspace language outside spanish/english/simple", async () => {
    await assert.rejects(ragCorp.createWorkspace({ ftsLanguage: "german" as "simple" }), { code: "23514" });
  });

  it("uploadDocument leaves the row rag-corp's upload does", async () => {
    const workspaceId = await ragCorp.createWorkspace({ ftsLanguage: "english" });
    const bytes = new TextEncoder().encode("%PDF-1.4 not really");
    const upload = await ragCorp.uploadDocument({
      workspaceId,
      fileName: "report.pdf",
      bytes,
      metadata: { tags: ["finance", 3], allowed_roles: ["admin"] },
    });
    assert.equal(upload.deduplicated, false);
    assert.equal(upload.storageKey, `documents/${upload.documentId}/report.pdf`);
    assert.equal(upload.storageKey, ragCorpStorageKey(upload.documentId, " report.pdf "));
    // SHA-256 hex of "<workspace id>:" followed by the bytes.
    assert.equal(upload.contentHash, ragCorpContentHash(workspaceId, bytes));
    assert.match(upload.contentHash, /^[0-9a-f]{64}$/);
    const row = await ragCorp.db.query(
      `SELECT w.fts_language, d.title, d.status, d.error_message, d.file_name, d.mime_type, d.storage_key,
              d.content_hash, d.tags, d.allowed_roles, d.deleted_at
         FROM documents d JOIN workspaces w ON w.id = d.workspace_id WHERE d.id = $1`,
      [upload.documentId],
    );
    assert.deepEqual(row.rows[0], {
      fts_language: "english",
      title: "report.pdf",
      status: "PENDING",
      error_message: null,
      file_name: "report.pdf",
      mime_type: "application/pdf",
      storage_key: upload.storageKey,
      content_hash: upload.contentHash,
      tags: ["finance"],
      allowed_roles: ["admin"],
      deleted_at: null,
    });

    const again = await ragCorp.uploadDocument({ workspaceId, fileName: "copy.pdf", bytes });
    assert.deepEqual(again, { ...upload, deduplicated: true });
    // Soft-deleted, the same content still collides: the unique index ignores deleted_at.
    await ragCorp.db.query("UPDATE documents SET deleted_at = now() WHERE id = $1", [upload.documentId]);
    await assert.rejects(ragCorp.uploadDocument({ workspaceId, fileName: "copy.pdf", bytes }), {
      code: "23505",
    });
  });

  it("describeTables reports a missing table instead of failing", async () => {
    const [missing] = await describeTables(ragCorp.db, ["no_such_table"]);
    assert.deepEqual(missing, {
      table: "no_such_table",
      exists: false,
      columns: [],
      constraints: [],
      indexes: [],
      triggers: [],
    });
  });
});

/**
 * rag-corp's tables as the kit's real schema.sql describes them, recorded in the project
 * (test/fixtures/rag-corp/kit-tables.json: names, types, constraints; facts, not rag-corp's text),
 * so a clone without the kit still checks the fixture against them. Where the kit is beside the
 * checkout (development, CI), the record itself is checked against the kit too.
 * `UPDATE_RAG_CORP_TABLES=1` rewrites the record from the kit.
 */
const KIT_TABLES_PATH = new URL("../fixtures/rag-corp/kit-tables.json", import.meta.url);

describe("rag-corp fixture against the kit's schema.sql", () => {
  let fixture: RagCorpDatabase | undefined;
  let kit: TestDatabase | undefined;
  let kitPool: pg.Pool | undefined;

  after(async () => {
    await kitPool?.end();
    await kit?.drop();
    await fixture?.close();
  });

  it("describes the same tables: columns, defaults, constraints, indexes, triggers", async () => {
    fixture = await createRagCorpDatabase("rag_corp_fixture_cmp");
    const fromFixture = withSameArrayCasts(await describeTables(fixture.db, RAG_CORP_TABLES));
    if (ragCorpKitAvailable()) {
      kit = await createTestDatabase("rag_corp_kit");
      await loadSqlFile(kit.url, RAG_CORP_KIT_SCHEMA_PATH, { requireVector: true });
      kitPool = new pg.Pool({ connectionString: kit.url, max: 2 });
      const fromKit = withSameArrayCasts(await describeTables(kitPool, RAG_CORP_TABLES));
      for (const description of fromKit) assert.ok(description.exists, `kit has ${description.table}`);
      const head = await kitPool.query<{ version_num: string }>("SELECT version_num FROM alembic_version");
      assert.deepEqual(head.rows, [{ version_num: RAG_CORP_HEAD_REVISION }]);
      if (process.env["UPDATE_RAG_CORP_TABLES"] === "1") {
        await writeFile(KIT_TABLES_PATH, `${JSON.stringify(fromKit, null, 2)}\n`);
      }
      const recorded = JSON.parse(await readFile(KIT_TABLES_PATH, "utf8")) as TableDescription[];
      assert.deepEqual(recorded, fromKit, "the recorded kit tables are the kit's (UPDATE_RAG_CORP_TABLES=1)");
    }
    const recorded = JSON.parse(await readFile(KIT_TABLES_PATH, "utf8")) as TableDescription[];
    assert.deepEqual(fromFixture, recorded);
  });
});

describe("sameArrayCasts (test helper)", () => {
  it("prints both spellings of an IN list on varchar alike", () => {
    const stored = "CHECK (c::text = ANY (ARRAY['a'::character varying, 'b'::character varying]::text[]))";
    const reloaded =
      "CHECK (c::text = ANY (ARRAY['a'::character varying::text, 'b'::character varying::text]))";
    assert.equal(sameArrayCasts(stored), reloaded);
    assert.equal(sameArrayCasts(reloaded), reloaded);
  });
});

describe("stripForDriver", () => {
  it("drops psql meta-commands and COMMENT ON EXTENSION, keeps SQL", () => {
    const sql = [
      "\\restrict abc",
      "CREATE TABLE t (a int);",
      "COMMENT ON EXTENSION vector IS 'x';",
      "  \\unrestrict abc",
      "INSERT INTO t VALUES (1);",
    ].join("\n");
    assert.equal(stripForDriver(sql), "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);");
  });
});
