/**
 * The schema, in order. A migration is SQL for one version; `embedding` columns depend on
 * whether pgvector exists, so a migration is a function of what the database supports.
 */
export interface MigrationContext {
  readonly embeddingDim: number;
  readonly hasVector: boolean;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** One statement per entry: some drivers (PGlite) run a single statement per query. */
  statements(context: MigrationContext): string[];
}

export const EMBEDDING_DIM_CONSTRAINT = "chunks_embedding_dim";

/**
 * The reconciler's record of each document it enqueued again: `round` numbers the job id
 * (`reconcile:<document>:<round>`), and `reconciled_at` keeps replicas from starting two rounds
 * at once. No foreign key, so it can live beside rag-corp's tables too (see rag-corp-migrations).
 */
export const RECONCILES_TABLE = `CREATE TABLE IF NOT EXISTS ragworker_reconciles (
        document_id uuid PRIMARY KEY,
        round integer NOT NULL,
        reconciled_at timestamptz NOT NULL DEFAULT now()
      )`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "foundation",
    statements: ({ embeddingDim, hasVector }) => [
      `
      CREATE TABLE IF NOT EXISTS workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz
      )`,
      `CREATE TABLE IF NOT EXISTS documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        title text NOT NULL,
        source text,
        file_name text,
        mime_type text,
        storage_key text,
        status text CHECK (status IS NULL OR status IN ('PENDING', 'PROCESSING', 'READY', 'FAILED')),
        error_message text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        processing_job_id text,
        processing_started_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`,
      "CREATE INDEX IF NOT EXISTS documents_workspace_idx ON documents (workspace_id) WHERE deleted_at IS NULL",
      "CREATE INDEX IF NOT EXISTS documents_status_idx ON documents (status)",
      `CREATE TABLE IF NOT EXISTS chunks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        chunk_index integer NOT NULL,
        content text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        embedding ${hasVector ? `vector(${embeddingDim})` : "real[]"} NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT chunks_document_index_unique UNIQUE (document_id, chunk_index)
        ${
          hasVector
            ? ""
            : // cardinality() and array_ndims(), not array_length(): an empty array has a NULL
              // length, which a CHECK lets through, and only a 1-dimensional array is a vector.
              `, CONSTRAINT ${EMBEDDING_DIM_CONSTRAINT} CHECK (array_ndims(embedding) = 1 AND cardinality(embedding) = ${embeddingDim})`
        }
      )`,
    ],
  },
  {
    version: 2,
    name: "chunk content hash for embedding reuse",
    statements: () => [
      "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS content_hash text",
      "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS embedding_model text",
      "CREATE INDEX IF NOT EXISTS chunks_content_hash_idx ON chunks (content_hash, embedding_model)",
    ],
  },
  {
    version: 3,
    name: "embeddings stored uncompressed",
    // A 768-dimension embedding is 3 KB of floats, over the 2 KB at which PostgreSQL tries to
    // compress a value; pglz never shrinks float noise, and trying took about 40% of the database
    // time per inserted chunk (measured here: 63 → 37 µs a row). EXTERNAL still moves the value
    // out of line, without the attempt. pgvector's `vector` type is EXTERNAL already; this only
    // changes how new rows are written.
    statements: () => ["ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE EXTERNAL"],
  },
  {
    version: 4,
    name: "reconciler: re-enqueue rounds and its index",
    statements: () => [
      RECONCILES_TABLE,
      // The reconciler's two queries (PENDING after the cursor, PROCESSING past its claim) read
      // only the few rows still to do, in id order, never the million READY ones.
      `CREATE INDEX IF NOT EXISTS documents_reconcile_idx ON documents (status, id)
        WHERE status IN ('PENDING', 'PROCESSING') AND deleted_at IS NULL`,
    ],
  },
];
