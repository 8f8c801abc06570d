/**
 * The document pipeline's dependencies for in-process tests of `processDocument`, real ones: a pg
 * pool on a test database, files under a storage directory, the embedder the settings name (the
 * hash embedder by default, rag-corp's fake one with FAKE_EMBEDDINGS=true), and the documents'
 * tables as the supervisor's start-up check finds them (ragworker's own or rag-corp's).
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { loadConfig } from "../../src/config/config.js";
import type { Env } from "../../src/config/setting.js";
import { documentStore } from "../../src/db/document-store.js";
import { createPgPool } from "../../src/db/pg-pool.js";
import { createEmbedder } from "../../src/embed/create-embedder.js";
import { createLogger } from "../../src/logging/logger.js";
import { SharedSemaphore } from "../../src/protocol/shared-semaphore.js";
import { CancelFlag, type DocumentTask } from "../../src/protocol/thread-protocol.js";
import { FileStorage } from "../../src/storage/file-storage.js";
import { checkDatabase } from "../../src/supervisor/dependency-checks.js";
import type { PipelineDeps } from "../../src/threads/process-document.js";

export interface PipelineWorld {
  readonly deps: PipelineDeps;
  /** The same dependencies with some replaced (a pool on a closed port, a raised flag…). */
  with(overrides: Partial<PipelineDeps>): PipelineDeps;
  close(): Promise<void>;
}

/**
 * `env` holds the worker's settings (EMBEDDING_DIM, CHUNK_TOKENS, FAKE_EMBEDDINGS…), read as the
 * worker reads them; DATABASE_URL and STORAGE_URL come from `databaseUrl` and `storageDir`.
 */
export async function createPipelineWorld(input: {
  readonly databaseUrl: string;
  readonly storageDir: string;
  readonly env?: Env;
}): Promise<PipelineWorld> {
  const config = loadConfig({
    ...input.env,
    DATABASE_URL: input.databaseUrl,
    STORAGE_URL: `file://${input.storageDir}`,
  });
  const logger = createLogger("silent");
  const { column, schema } = await checkDatabase(config.databaseUrl, config.embeddingDim, 10_000, {
    nodes: config.nodes.enabled,
  });
  const pool = createPgPool({
    url: config.databaseUrl,
    min: 0,
    max: 2,
    applicationName: "ragworker-test-pipeline",
    logger,
  });
  const embedder = await createEmbedder(config, SharedSemaphore.create(1), logger);
  const deps: PipelineDeps = {
    pool,
    storage: new FileStorage(input.storageDir),
    embedder,
    store: documentStore(schema),
    config,
    columnKind: column.kind,
    logger,
    threadId: 1,
    cancelled: () => false,
    timedOut: () => false,
    cancelledByUser: () => false,
    progress: () => undefined,
  };
  return {
    deps,
    with: (overrides) => ({ ...deps, ...overrides }),
    async close() {
      await pool.end();
      await embedder.close?.();
    },
  };
}

/** A task as the supervisor makes it from a job: a fresh job id and time-limit flag each time. */
export function documentTask(
  ids: { readonly documentId: unknown; readonly workspaceId: unknown },
  options: { readonly jobId?: string; readonly attempt?: number; readonly maxAttempts?: number } = {},
): DocumentTask {
  return {
    jobId: options.jobId ?? `job-${randomUUID()}`,
    documentId: ids.documentId,
    workspaceId: ids.workspaceId,
    requestId: undefined,
    attempt: options.attempt ?? 1,
    maxAttempts: options.maxAttempts ?? 3,
    timeLimitFlag: CancelFlag.create(),
    cancelledFlag: CancelFlag.create(),
  };
}

export interface ChunkRow {
  readonly chunk_index: number;
  readonly content: string;
  readonly dims: number;
  readonly metadata: {
    readonly format?: string;
    readonly page?: number;
    readonly headingPath?: string[];
    readonly embedding_model?: string;
    readonly ocr?: boolean;
    readonly ocrConfidence?: number;
  };
}

/** The chunks of a document, in order, as ragworker's own tables keep them. */
export async function chunkRows(db: pg.Pool, documentId: string): Promise<ChunkRow[]> {
  const result = await db.query<ChunkRow>(
    `SELECT chunk_index, content, array_length(embedding::real[], 1) AS dims, metadata
       FROM chunks WHERE document_id = $1 ORDER BY chunk_index`,
    [documentId],
  );
  return result.rows;
}
