import type pg from "pg";
import { createHash } from "node:crypto";
import { chunkDocument, type DocumentChunk } from "../chunk/chunk-document.js";
import type { Config } from "../config/config.js";
import { chunkByCharacters } from "../chunk/chunk-by-characters.js";
import { buildNodeGroups } from "../chunk/node-groups.js";
import { classifyDatabaseError } from "../db/classify-database-error.js";
import type { DocumentStore, NodeRow } from "../db/document-store.js";
import { noWorkStatus, triageDocument, type DocumentTriage } from "../db/document-triage.js";
import type { EmbeddingColumnKind } from "../db/embedding-column.js";
import { CachingEmbedder } from "../embed/embedding-cache.js";
import { consecutiveBatches } from "../embed/onnx-batch-plan.js";
import type { Embedder } from "../embed/embedder.js";
import { PermanentError } from "../errors/permanent-error.js";
import { HandBackError } from "../errors/hand-back-error.js";
import { DocumentCancelledError } from "../errors/document-cancelled-error.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import { RagworkerError } from "../errors/ragworker-error.js";
import { UnexpectedError } from "../errors/unexpected-error.js";
import { extractDocument } from "../extract/extract-document.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../extract/extract-options.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import type { ExtractedDocument } from "../extract/extracted-document.js";
import { buildChunkRows } from "./chunk-rows.js";
import type { Storage } from "../storage/storage.js";
import type {
  DocumentTask,
  JobProgress,
  PipelineStage,
  TaskResult,
  TaskStats,
} from "../protocol/thread-protocol.js";
import { documentTimeoutError } from "../errors/document-timeout-error.js";
import { documentErrorMessage } from "../errors/document-error-message.js";
import { stageSpansFor, type StageSpans } from "../telemetry/stage-spans.js";

export interface PipelineDeps {
  readonly pool: pg.Pool;
  readonly storage: Storage;
  readonly embedder: Embedder;
  /** The documents' tables: ragworker's own, or rag-corp's. */
  readonly store: DocumentStore;
  readonly config: Pick<
    Config,
    | "chunkUnit"
    | "nodes"
    | "chunkSize"
    | "chunkOverlap"
    | "maxChunks"
    | "maxExtractedChars"
    | "maxFileBytes"
    | "embeddingBatchSize"
    | "claimTtlMs"
    | "documentTimeoutMs"
    | "maxPages"
    | "maxArchiveUncompressedBytes"
    | "maxArchiveCompressionRatio"
    | "libreofficeTimeoutMs"
    | "ocr"
  >;
  readonly columnKind: EmbeddingColumnKind;
  readonly logger: Logger;
  readonly threadId: number;
  /** True once the supervisor asks threads to stop (drain deadline): checked between steps. */
  readonly cancelled: () => boolean;
  /** True once this task has run past DOCUMENT_TIMEOUT_MS: checked at the same checkpoints. */
  readonly timedOut: () => boolean;
  /** True once the supervisor saw the document cancelled or deleted: checked at the same checkpoints. */
  readonly cancelledByUser: () => boolean;
  /** Where the task is, for BullMQ's job progress (throttled by the caller: ProgressReporter). */
  readonly progress: (progress: JobProgress) => void;
}

/**
 * Stops the pipeline between steps (and between PDF pages and embedding batches) when the worker
 * is handing its jobs back, when the user cancelled the document (nothing is written, the row
 * stays as the cancel left it), or when the document ran out of time: a document that took too
 * long once would take too long again, so no retry.
 */
function checkpoint(deps: PipelineDeps): void {
  if (deps.cancelled()) {
    throw new HandBackError();
  }
  if (deps.cancelledByUser()) {
    throw new DocumentCancelledError();
  }
  if (deps.timedOut()) {
    throw documentTimeoutError(deps.config.documentTimeoutMs);
  }
}

class StatsRecorder {
  bytes = 0;
  chunks = 0;
  format: string | null = null;
  embeddingsComputed = 0;
  embeddingsReused = 0;
  embeddingCacheHits = 0;
  embeddingCacheMisses = 0;
  ocrPages = 0;
  ocrSeconds = 0;
  /** Calls to the embedder and the texts sent, for the embed spans' counts. */
  embeddingBatches = 0;
  embeddingTexts = 0;
  readonly stageSeconds: Partial<Record<PipelineStage, number>> = {};
  readonly injectionPatterns: Record<string, number> = {};

  constructor(
    private readonly threadId: number,
    /** The task's stage spans when tracing is on: each timed stage is one span. */
    private readonly spans: StageSpans | null = null,
  ) {}

  /** Times a stage; `measure` records its figures from its result before its span ends. */
  async time<T>(stage: PipelineStage, work: () => Promise<T> | T, measure?: (result: T) => void): Promise<T> {
    const started = process.hrtime.bigint();
    const span = this.spans?.start(stage);
    const before = { batches: this.embeddingBatches, texts: this.embeddingTexts };
    let failure: { readonly error: unknown } | undefined;
    try {
      const result = await work();
      measure?.(result);
      return result;
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      this.stageSeconds[stage] = Number(process.hrtime.bigint() - started) / 1e9;
      span?.end(this.spanAttributes(stage, before), failure);
    }
  }

  /** What a stage's span says it did. */
  private spanAttributes(
    stage: PipelineStage,
    before: { readonly batches: number; readonly texts: number },
  ): Record<string, number | string> {
    switch (stage) {
      case "read":
        return { "ragworker.document.bytes": this.bytes };
      case "extract":
        return {
          "ragworker.document.format": this.format ?? "unknown",
          "ragworker.ocr.pages": this.ocrPages,
        };
      case "embed":
        return {
          "ragworker.chunk.count": this.chunks,
          "ragworker.embed.batch_count": this.embeddingBatches - before.batches,
          "ragworker.embed.text_count": this.embeddingTexts - before.texts,
        };
      case "chunk":
      case "persist":
        return { "ragworker.chunk.count": this.chunks };
    }
  }

  snapshot(): TaskStats {
    return {
      threadId: this.threadId,
      bytes: this.bytes,
      chunks: this.chunks,
      format: this.format,
      embeddingsComputed: this.embeddingsComputed,
      embeddingsReused: this.embeddingsReused,
      embeddingCacheHits: this.embeddingCacheHits,
      embeddingCacheMisses: this.embeddingCacheMisses,
      ocrPages: this.ocrPages,
      ocrSeconds: this.ocrSeconds,
      stageSeconds: { ...this.stageSeconds },
      injectionPatterns: { ...this.injectionPatterns },
    };
  }
}

async function embedInBatches(
  embedder: Embedder,
  texts: readonly string[],
  batchSize: number,
  deps: PipelineDeps,
  stats: StatsRecorder,
): Promise<Float32Array[]> {
  // The onnx provider batches by token length across the whole document (padding costs less when
  // lengths are alike); others take consecutive batches. Either way, one call per batch, so a
  // cancellation or time-out still stops between batches.
  const batches = embedder.planBatches?.(texts) ?? consecutiveBatches(texts.length, batchSize);
  const vectors = new Array<Float32Array>(texts.length);
  let done = 0;
  for (const positions of batches) {
    checkpoint(deps);
    deps.progress({ stage: "embedding", current: done, total: texts.length });
    const batch = positions.map((position) => texts[position] ?? "");
    stats.embeddingBatches += 1;
    stats.embeddingTexts += batch.length;
    let results: Float32Array[];
    if (embedder instanceof CachingEmbedder) {
      const cached = await embedder.embedWithStats(batch);
      stats.embeddingCacheHits += cached.hits;
      stats.embeddingCacheMisses += cached.misses;
      results = cached.vectors;
    } else {
      results = await embedder.embed(batch);
    }
    positions.forEach((position, index) => {
      const vector = results[index];
      if (vector) vectors[position] = vector;
    });
    done += positions.length;
  }
  if (
    vectors.length !== texts.length ||
    Array.from(vectors).some((vector) => vector?.length !== embedder.dimension)
  ) {
    throw new PermanentError(
      "EMBEDDING_REJECTED",
      `embedder ${embedder.model} returned vectors of the wrong count or size`,
    );
  }
  return vectors;
}

/** Database calls whose failures must come out typed (retryable or not). */
async function database<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw classifyDatabaseError(error, operation);
  }
}

/**
 * Steps 1–9 of the design for one document. Every outcome is data: a status to return, or a
 * typed failure after the document row says `FAILED` (no attempt left) or `PENDING` (retrying).
 */
export async function processDocument(task: DocumentTask, taskDeps: PipelineDeps): Promise<TaskResult> {
  // Tracing on and the task carrying the job span: stage spans, and the span's ids on every line.
  const spans = stageSpansFor(task.traceparent);
  const deps = spans ? { ...taskDeps, logger: taskDeps.logger.child(spans.logFields) } : taskDeps;
  const stats = new StatsRecorder(deps.threadId, spans);
  const { logger } = deps;

  // Looked up by the supervisor already (it needs work), or here when the supervisor's lookup failed.
  let triage: DocumentTriage;
  try {
    triage = task.lookedUp
      ? {
          kind: "work",
          documentId: task.lookedUp.id,
          workspaceId: task.lookedUp.workspace_id,
          document: task.lookedUp,
        }
      : await database("load", () => triageDocument(task, deps.pool, deps.store, logger));
  } catch (error) {
    return await fail(task, String(task.documentId), error, deps, stats, false);
  }
  if (triage.kind === "no-work") {
    return { kind: "done", status: triage.status, chunksCreated: 0, stats: stats.snapshot() };
  }
  const { documentId, workspaceId } = triage;

  // Only a claimed document has a claim to release when the job fails.
  let claimed = false;
  try {
    const claim = await database("claim", () =>
      deps.store.claim(deps.pool, {
        id: documentId,
        workspaceId,
        jobId: task.jobId,
        claimTtlMs: deps.config.claimTtlMs,
      }),
    );
    if (!claim) {
      const observed = await database("load", () => deps.store.load(deps.pool, documentId, workspaceId));
      // Deleted between the lookup and the claim: the same as deleted before the lookup.
      if (!observed || observed.deleted) {
        const status = noWorkStatus(observed, logger) ?? "MISSING";
        return { kind: "done", status, chunksCreated: 0, stats: stats.snapshot() };
      }
      const status = observed.status ?? "UNKNOWN";
      logger.info({ observedStatus: status }, "document not claimable; leaving it as it is");
      return { kind: "done", status, chunksCreated: 0, stats: stats.snapshot() };
    }
    claimed = true;
    return await runClaimed(
      task,
      workspaceId,
      claim.storage_key,
      claim.mime_type,
      claim.file_name,
      deps,
      stats,
    );
  } catch (error) {
    return await fail(task, documentId, error, deps, stats, claimed);
  }
}

/**
 * Vectors for every distinct chunk content: those stored already by the same model in this
 * workspace are reused, only the rest are embedded (each distinct text once).
 */
async function embedNew(
  chunks: readonly DocumentChunk[],
  hashes: readonly string[],
  workspaceId: string,
  deps: PipelineDeps,
  stats: StatsRecorder,
): Promise<Map<string, Float32Array>> {
  const contentByHash = new Map<string, string>();
  chunks.forEach((chunk, position) => contentByHash.set(hashes[position] ?? "", chunk.content));
  const vectors = await database("embedding lookup", () =>
    deps.store.findStoredEmbeddings(deps.pool, {
      workspaceId,
      model: deps.embedder.model,
      dimension: deps.embedder.dimension,
      contentHashes: [...contentByHash.keys()],
    }),
  );
  const missing = [...contentByHash.keys()].filter((hash) => !vectors.has(hash));
  const computed = await embedInBatches(
    deps.embedder,
    missing.map((hash) => contentByHash.get(hash) ?? ""),
    deps.config.embeddingBatchSize,
    deps,
    stats,
  );
  missing.forEach((hash, position) => vectors.set(hash, computed[position] ?? new Float32Array(0)));
  stats.embeddingsComputed = missing.length;
  stats.embeddingsReused = contentByHash.size - missing.length;
  return vectors;
}

/** rag-corp's 2-tier nodes: groups of consecutive chunks, each embedded as one text. */
async function embedNodes(
  chunks: readonly DocumentChunk[],
  deps: PipelineDeps,
  stats: StatsRecorder,
): Promise<NodeRow[]> {
  const groups = buildNodeGroups(chunks, deps.config.nodes);
  const vectors = await embedInBatches(
    deps.embedder,
    groups.map((group) => group.text),
    deps.config.embeddingBatchSize,
    deps,
    stats,
  );
  return groups.map((group, position) => ({
    ...group,
    embedding: vectors[position] ?? new Float32Array(deps.embedder.dimension),
  }));
}

/** rag-corp's character chunker by default; the token chunker (in the model's tokens) when set. */
function chunkExtracted(document: ExtractedDocument, deps: PipelineDeps): DocumentChunk[] {
  const sizes = {
    size: deps.config.chunkSize,
    overlap: deps.config.chunkOverlap,
    maxChunks: deps.config.maxChunks,
    maxExtractedChars: deps.config.maxExtractedChars,
  };
  if (deps.config.chunkUnit === "characters") return chunkByCharacters(document, sizes);
  const countTokens = deps.embedder.countTokens?.bind(deps.embedder);
  return chunkDocument(document, { ...sizes, ...(countTokens ? { countTokens } : {}) });
}

async function runClaimed(
  task: DocumentTask,
  workspaceId: string,
  storageKey: string | null,
  mimeType: string | null,
  fileName: string | null,
  deps: PipelineDeps,
  stats: StatsRecorder,
): Promise<TaskResult> {
  const documentId = String(task.documentId);
  if (!storageKey) throw new PermanentError("STORAGE_NOT_FOUND", "document has no storage_key");
  deps.progress({ stage: "downloading" });
  const bytes = await stats.time(
    "read",
    () => deps.storage.read(storageKey, deps.config.maxFileBytes),
    (read) => {
      stats.bytes = read.byteLength;
    },
  );

  checkpoint(deps);
  const { document, detected } = await stats.time(
    "extract",
    () =>
      extractDocument(bytes, mimeType, fileName, {
        ...DEFAULT_EXTRACT_OPTIONS,
        maxPages: deps.config.maxPages,
        maxUncompressedBytes: deps.config.maxArchiveUncompressedBytes,
        maxCompressionRatio: deps.config.maxArchiveCompressionRatio,
        libreofficeTimeoutMs: deps.config.libreofficeTimeoutMs,
        ocr: deps.config.ocr,
        onPage: (page, pages) => {
          checkpoint(deps);
          deps.progress({ stage: "extracting", current: page - 1, total: pages });
        },
        // An OCR page takes seconds: a cancel or the time limit stops it mid-page, killing the tool.
        interrupt: () => checkpoint(deps),
        onOcrPage: (page) => {
          stats.ocrPages += 1;
          stats.ocrSeconds += page.seconds;
        },
      }),
    (extracted) => {
      stats.format = extracted.detected.format;
    },
  );
  if (detected.declaredMimeMismatch) {
    deps.logger.warn(
      { declared: mimeType, detected: detected.mime },
      "declared MIME type disagrees with the bytes",
    );
  }

  checkpoint(deps);
  deps.progress({ stage: "chunking" });
  const chunks = await stats.time(
    "chunk",
    () => chunkExtracted(document, deps),
    (made) => {
      stats.chunks = made.length;
    },
  );

  const hashes = chunks.map((chunk) => createHash("sha256").update(chunk.content).digest("hex"));
  const vectorByHash = await stats.time("embed", () => embedNew(chunks, hashes, workspaceId, deps, stats));

  const rows = buildChunkRows(chunks, hashes, vectorByHash, {
    schema: deps.store.schema,
    embedder: deps.embedder,
    onPattern: (pattern) => {
      stats.injectionPatterns[pattern] = (stats.injectionPatterns[pattern] ?? 0) + 1;
    },
  });
  const nodes = deps.config.nodes.enabled
    ? await stats.time("embed", () => embedNodes(chunks, deps, stats))
    : null;

  checkpoint(deps);
  deps.progress({ stage: "writing", current: 0, total: rows.length });
  const outcome = await stats.time("persist", () =>
    database("persist", () =>
      deps.store.replaceChunks(deps.pool, {
        documentId,
        workspaceId,
        jobId: task.jobId,
        columnKind: deps.columnKind,
        chunks: rows,
        nodes,
      }),
    ),
  );
  if (!outcome.replaced && outcome.cancelled) {
    // Cancelled after the last checkpoint: the write saw it under the row lock and wrote nothing.
    deps.logger.info("document cancelled while processing; stopped, nothing written");
    return { kind: "done", status: "CANCELLED", chunksCreated: 0, stats: stats.snapshot() };
  }
  if (!outcome.replaced) {
    deps.logger.warn({ observedStatus: outcome.observedStatus }, "claim was taken over; results discarded");
    return {
      kind: "done",
      status: outcome.observedStatus ?? "MISSING",
      chunksCreated: 0,
      stats: stats.snapshot(),
    };
  }
  deps.logger.info(
    { chunks: outcome.chunksCreated, format: detected.format, bytes: stats.bytes },
    "document READY",
  );
  return { kind: "done", status: "READY", chunksCreated: outcome.chunksCreated, stats: stats.snapshot() };
}

/**
 * The one place an error becomes an outcome, by its class alone: handed back at the drain
 * deadline, a failure the pipeline knows (permanent or not), or anything else, a bug.
 */
type Classified =
  | { readonly kind: "handed-back"; readonly typed: HandBackError }
  | { readonly kind: "dependency-down"; readonly typed: DependencyUnavailableError }
  | {
      readonly kind: "failed-retryable" | "failed-permanently" | "unexpected-error";
      readonly typed: RagworkerError;
    };

function classify(error: unknown): Classified {
  if (error instanceof HandBackError) return { kind: "handed-back", typed: error };
  if (error instanceof DependencyUnavailableError) return { kind: "dependency-down", typed: error };
  if (error instanceof RagworkerError) {
    return { kind: error.retryable ? "failed-retryable" : "failed-permanently", typed: error };
  }
  // Not known to be permanent: the attempts decide, and the log says it is a bug.
  return { kind: "unexpected-error", typed: new UnexpectedError(error) };
}

function failureResult(classified: Classified, message: string, stats: TaskStats): TaskResult {
  switch (classified.kind) {
    case "handed-back":
      return { kind: "handed-back", stats };
    case "dependency-down":
      return {
        kind: "dependency-down",
        dependency: classified.typed.dependency,
        credentialsRejected: classified.typed.credentialsRejected,
        code: classified.typed.code,
        message,
        stats,
      };
    default:
      return { kind: classified.kind, code: classified.typed.code, message, stats };
  }
}

async function fail(
  task: DocumentTask,
  documentId: string,
  error: unknown,
  deps: PipelineDeps,
  stats: StatsRecorder,
  claimed: boolean,
): Promise<TaskResult> {
  if (error instanceof DocumentCancelledError) {
    // The cancel already wrote what the row should say (rag-corp: FAILED with its reason), or
    // deleted it: releasing the claim would overwrite that, and a retry would undo the cancel.
    deps.logger.info({ claimed }, "document cancelled while processing; stopped, nothing written");
    return { kind: "done", status: "CANCELLED", chunksCreated: 0, stats: stats.snapshot() };
  }
  const classified = classify(error);
  const { kind, typed } = classified;
  // Handed back (the drain deadline, or a dependency down): back to the queue whatever its attempts.
  const handedBack = kind === "handed-back" || kind === "dependency-down";
  const willRetry = handedBack || (kind !== "failed-permanently" && task.attempt < task.maxAttempts);
  const message = documentErrorMessage(typed.message);
  // An unexpected error is a bug: its stack is logged, and the supervisor counts it as one.
  const err = describeError(kind === "unexpected-error" ? typed.cause : typed);
  // A dependency outage is logged once by the supervisor's circuit, not once per document.
  deps.logger[kind === "dependency-down" ? "debug" : willRetry ? "warn" : "error"](
    { err, willRetry, ...(kind === "unexpected-error" ? { bug: true } : {}) },
    "document failed",
  );
  const failure = failureResult(classified, message, stats.snapshot());
  // Failed before its claim (the database was down for the lookup, say): the row was never touched.
  if (!claimed) return failure;
  let released: boolean;
  try {
    released = await deps.store.release(deps.pool, {
      id: documentId,
      jobId: task.jobId,
      status: willRetry ? "PENDING" : "FAILED",
      // Back to its state before the claim when no fault of its own: PENDING, no message.
      errorMessage: kind === "dependency-down" ? null : message,
    });
  } catch (releaseError) {
    // The retried job reclaims its own PROCESSING row by job id; an expired claim is reclaimable too.
    // With the database down this fails for every job: the circuit says so once.
    deps.logger[kind === "dependency-down" ? "debug" : "error"](
      { err: describeError(releaseError) },
      "could not record the failure on the document",
    );
    return failure;
  }
  if (!released) {
    // The document is no longer this job's: cancelled (rag-corp's cancel sets FAILED), deleted, or
    // taken over. Leave it as it is and end the job: a retry must not undo what happened to it.
    const observed = await deps.store.load(deps.pool, documentId, String(task.workspaceId)).catch(() => null);
    const status = observed && !observed.deleted ? (observed.status ?? "UNKNOWN") : "MISSING";
    deps.logger.warn({ observedStatus: status }, "document changed hands; not retried");
    return { kind: "done", status, chunksCreated: 0, stats: stats.snapshot() };
  }
  return failure;
}
