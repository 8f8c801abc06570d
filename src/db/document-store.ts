import type pg from "pg";
import { findCancelledJobs, type RunningJob } from "./cancelled-jobs.js";
import { replaceChunks, type ChunkRow, type ReplaceOutcome } from "./chunk-writer.js";
import type { DatabaseSchema } from "./database-schema.js";
import {
  claimDocument,
  loadDocument,
  releaseClaim,
  type DocumentRow,
  type LoadedDocument,
} from "./document-repository.js";
import type { EmbeddingColumnKind } from "./embedding-column.js";
import type { Queryable, StatementQueryable } from "./queryable.js";
import { replaceRagCorpChunks, type NodeRow } from "./rag-corp/rag-corp-chunk-writer.js";
import {
  claimRagCorpDocument,
  loadRagCorpDocument,
  releaseRagCorpClaim,
} from "./rag-corp/rag-corp-document-repository.js";
import { findRagCorpStoredEmbeddings } from "./rag-corp/rag-corp-stored-embeddings.js";
import { findRagCorpCancelledJobs } from "./rag-corp/rag-corp-cancelled-jobs.js";
import {
  findRagCorpExpiredClaims,
  findRagCorpStalePending,
} from "./rag-corp/rag-corp-reconcile-candidates.js";
import {
  findExpiredClaims,
  findStalePending,
  type ExpiredClaimQuery,
  type ReconcileCandidate,
  type StalePendingQuery,
} from "./reconcile-candidates.js";
import { findStoredEmbeddings, type EmbeddingLookup } from "./stored-embeddings.js";

export type { ExpiredClaimQuery, ReconcileCandidate, StalePendingQuery };
export type { EmbeddingLookup, NodeRow, RunningJob };

export interface ClaimRequest {
  readonly id: string;
  readonly workspaceId: string;
  readonly jobId: string;
  readonly claimTtlMs: number;
}

export interface ReleaseRequest {
  readonly id: string;
  readonly jobId: string;
  readonly status: "PENDING" | "FAILED";
  readonly errorMessage: string | null;
}

export interface ChunkWrite {
  readonly documentId: string;
  readonly workspaceId: string;
  readonly jobId: string;
  readonly columnKind: EmbeddingColumnKind;
  readonly chunks: readonly ChunkRow[];
  /** rag-corp's 2-tier nodes; null when 2-tier retrieval is off. */
  readonly nodes: readonly NodeRow[] | null;
}

/**
 * The pipeline's reads and writes, for the schema the database has: the pipeline is the same
 * whichever tables hold the documents.
 */
export interface DocumentStore {
  readonly schema: DatabaseSchema;
  /** The document, soft-deleted ones flagged `deleted`; null when there is none in the workspace. */
  load(db: StatementQueryable, id: string, workspaceId: string): Promise<LoadedDocument | null>;
  claim(db: Queryable, claim: ClaimRequest): Promise<DocumentRow | null>;
  release(db: Queryable, release: ReleaseRequest): Promise<boolean>;
  replaceChunks(pool: pg.Pool, write: ChunkWrite): Promise<ReplaceOutcome>;
  findStoredEmbeddings(db: Queryable, lookup: EmbeddingLookup): Promise<Map<string, Float32Array>>;
  /** The reconciler's candidates: `PENDING` left alone too long (no job may hold them). */
  findStalePending(db: Queryable, query: StalePendingQuery): Promise<ReconcileCandidate[]>;
  /** The reconciler's candidates: `PROCESSING` whose claim a job could take over. */
  findExpiredClaims(db: Queryable, query: ExpiredClaimQuery): Promise<ReconcileCandidate[]>;
  /** Of the running jobs, the ids of those whose document was cancelled or deleted. */
  findCancelled(db: Queryable, running: readonly RunningJob[]): Promise<Set<string>>;
}

const RAGWORKER_STORE: DocumentStore = {
  schema: "ragworker",
  load: loadDocument,
  claim: claimDocument,
  release: releaseClaim,
  replaceChunks: (pool, write) => {
    // The start-up check refuses ENABLE_2TIER_RETRIEVAL without a nodes table, which this schema lacks.
    if (write.nodes !== null) throw new Error("nodes need rag-corp's schema");
    return replaceChunks(pool, write);
  },
  findStoredEmbeddings,
  findStalePending,
  findExpiredClaims,
  findCancelled: findCancelledJobs,
};

const RAG_CORP_STORE: DocumentStore = {
  schema: "rag-corp",
  load: loadRagCorpDocument,
  claim: claimRagCorpDocument,
  release: releaseRagCorpClaim,
  replaceChunks: replaceRagCorpChunks,
  findStoredEmbeddings: findRagCorpStoredEmbeddings,
  findStalePending: findRagCorpStalePending,
  findExpiredClaims: findRagCorpExpiredClaims,
  findCancelled: findRagCorpCancelledJobs,
};

export function documentStore(schema: DatabaseSchema): DocumentStore {
  return schema === "rag-corp" ? RAG_CORP_STORE : RAGWORKER_STORE;
}
