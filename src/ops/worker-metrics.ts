import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Piscina } from "piscina";
import type { Queue } from "bullmq";
import { PROMPT_INJECTION_SLUGS } from "../safety/prompt-injection.js";
import { withTimeout } from "./with-timeout.js";

const STAGES = ["read", "extract", "chunk", "embed", "persist"] as const;

/** rag-corp's labels of rag_worker_processed_total: the document's status after the attempt. */
export type ProcessedStatus =
  "READY" | "INVALID" | "MISSING" | "PROCESSING" | "UNKNOWN" | "FAILED" | "PENDING" | "CANCELLED";

/** Figures a thread measured for one document. */
export interface JobStats {
  readonly threadId: number;
  readonly bytes: number;
  readonly embeddingsComputed: number;
  readonly embeddingsReused: number;
  readonly embeddingCacheHits: number;
  readonly embeddingCacheMisses: number;
  /** Pages OCR read, and the seconds it spent on them (rendering or decoding, and recognition). */
  readonly ocrPages: number;
  readonly ocrSeconds: number;
  readonly stageSeconds: Partial<Record<(typeof STAGES)[number], number>>;
  readonly injectionPatterns: Readonly<Record<string, number>>;
}

/** One job attempt's outcome, as the metrics count it (the supervisor maps its results to this). */
export interface JobOutcome {
  /**
   * The `status` label: the document's status when the job completes, FAILED when it fails for
   * good, PENDING when it goes back to the queue (to be retried, or handed back at the drain).
   */
  readonly status: ProcessedStatus;
  readonly chunksCreated: number;
  /** What the thread measured; null when no thread answered (it died, or was terminated). */
  readonly stats: JobStats | null;
  /**
   * Besides the document's outcome, something wrong with the worker itself: the thread died
   * under the job (rag_worker_thread_crashes_total), or the pipeline threw an error it does not
   * know, a bug (rag_worker_unexpected_errors_total).
   */
  readonly fault?: "thread-crash" | "unexpected-error";
}
/**
 * Why the reconciler enqueued a document again (rag_worker_reconciled_total's `reason`): `PENDING`
 * with no live job (Redis lost it, or the API died before enqueueing), or `PROCESSING` past its
 * claim with no live job (its worker died and its job is gone).
 */
export const RECONCILE_REASONS = ["pending_without_job", "processing_claim_expired"] as const;
export type ReconcileReason = (typeof RECONCILE_REASONS)[number];

// rag-corp's buckets for rag_worker_duration_seconds, kept so its dashboards' quantiles match.
const JOB_DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// Queue depth is read from Redis at scrape time; a short cache keeps a scrape storm off Redis.
const QUEUE_DEPTH_CACHE_MS = 2_000;
const QUEUE_STATES = ["waiting", "active", "delayed", "failed"] as const;
// BullMQ keeps jobs with a priority (every job with QUEUE_FAIRNESS on) apart from its wait list;
// to an operator and an autoscaler they are waiting all the same.
const READ_STATES = [...QUEUE_STATES, "prioritized"] as const;

export interface MetricSources {
  readonly pool: Piscina;
  readonly queue: Queue;
  /** False while the queue's connection is down: a depth read would wait in its offline queue. */
  readonly redisReady: () => boolean;
  /** Jobs running now, counted by the stage they last reported (JobsInFlight.countByStage). */
  readonly inFlightByStage?: () => ReadonlyMap<string, number>;
  /** Whether each dependency's circuit is closed (DependencyCircuits.status). */
  readonly dependencyUp?: () => Readonly<Record<string, { readonly up: boolean }>>;
}

/**
 * The supervisor's registry. Threads measure their work and send the figures back with each
 * task's result; they are counted here, in the process that lives as long as the container, so
 * a thread that dies or is replaced never resets or doubles a total.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly processed: Counter<"status">;
  private readonly failed: Counter;
  private readonly threadCrashes: Counter;
  private readonly unexpectedErrors: Counter;
  private readonly duration: Histogram;
  private readonly injection: Counter<"pattern">;
  private readonly cacheHits: Counter<"kind">;
  private readonly cacheMisses: Counter<"kind">;
  private readonly stageDuration: Histogram<"stage">;
  private readonly chunks: Counter;
  private readonly bytes: Counter;
  private readonly threadDocuments: Counter<"thread" | "status">;
  private readonly threadChunks: Counter<"thread">;
  private readonly threadBytes: Counter<"thread">;
  private readonly threadBusy: Counter<"thread">;
  private readonly threadStage: Counter<"thread" | "stage">;
  private readonly embeddings: Counter<"source">;
  private readonly ocrPages: Counter;
  private readonly ocrSeconds: Counter;
  private readonly reconciled: Counter<"reason">;
  private readonly reconcilePass: Gauge;
  private runningTasks = 0;
  private readonly handedBack: Counter<"reason">;

  constructor(sources: MetricSources | null = null) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client also serves these gauges under a counter's "_total" suffix, which promtool (and
    // Prometheus' naming rules) reject; `nodejs_active_handles`, `_requests` and `_resources` stay.
    for (const name of ["handles", "requests", "resources"]) {
      this.registry.removeSingleMetric(`nodejs_active_${name}_total`);
    }
    this.processed = new Counter({
      name: "rag_worker_processed_total",
      help: "Job attempts by outcome (rag-corp's labels): the document status returned, FAILED, or PENDING (failed, back in the queue for a retry).",
      labelNames: ["status"],
      registers,
    });
    this.failed = new Counter({
      name: "rag_worker_failed_total",
      help: "Jobs that ended FAILED (failed for good, or found FAILED) or INVALID, as rag-corp counts them.",
      registers,
    });
    this.threadCrashes = new Counter({
      name: "rag_worker_thread_crashes_total",
      help: "Tasks whose thread died under them (uncaught error, exit, memory limit); Piscina replaced the thread.",
      registers,
    });
    this.unexpectedErrors = new Counter({
      name: "rag_worker_unexpected_errors_total",
      help: "Job attempts that failed with an error the pipeline does not know (a bug); they are retried like a transient failure.",
      registers,
    });
    this.duration = new Histogram({
      name: "rag_worker_duration_seconds",
      help: "Time from a job reaching the supervisor to its outcome.",
      buckets: JOB_DURATION_BUCKETS,
      registers,
    });
    this.cacheHits = new Counter({
      name: "rag_embedding_cache_hit_total",
      help: "Embedding inputs answered by rag-corp's embedding cache (kind=batch: the worker's).",
      labelNames: ["kind"],
      registers,
    });
    this.cacheMisses = new Counter({
      name: "rag_embedding_cache_miss_total",
      help: "Embedding inputs not in rag-corp's embedding cache (kind=batch: the worker's).",
      labelNames: ["kind"],
      registers,
    });
    this.cacheHits.inc({ kind: "batch" }, 0);
    this.cacheMisses.inc({ kind: "batch" }, 0);
    this.injection = new Counter({
      name: "rag_prompt_injection_detected_total",
      help: "Chunks matching each prompt-injection pattern.",
      labelNames: ["pattern"],
      registers,
    });
    for (const pattern of PROMPT_INJECTION_SLUGS) this.injection.inc({ pattern }, 0);
    this.stageDuration = new Histogram({
      name: "rag_worker_stage_duration_seconds",
      help: "Time spent in each pipeline stage, measured in the threads.",
      labelNames: ["stage"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.chunks = new Counter({ name: "rag_worker_chunks_total", help: "Chunks written.", registers });
    this.handedBack = new Counter({
      name: "rag_worker_handed_back_total",
      help: "Jobs handed back to the queue without spending an attempt, by why: the drain deadline, or the dependency found down.",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["drain", "storage", "embedding", "database"]) this.handedBack.inc({ reason }, 0);
    this.bytes = new Counter({
      name: "rag_worker_processed_bytes_total",
      help: "File bytes read.",
      registers,
    });
    this.embeddings = new Counter({
      name: "rag_worker_embeddings_total",
      help: "Distinct chunk texts given a vector: computed by the embedder, or reused from a stored chunk.",
      labelNames: ["source"],
      registers,
    });
    this.embeddings.inc({ source: "computed" }, 0);
    this.embeddings.inc({ source: "reused" }, 0);
    this.ocrPages = new Counter({
      name: "rag_worker_ocr_pages_total",
      help: "Pages read by OCR: PDF pages without a text layer, and image pages.",
      registers,
    });
    this.ocrSeconds = new Counter({
      name: "rag_worker_ocr_seconds_total",
      help: "Time the threads spent on OCR (rendering or decoding each page, and recognising it); over rag_worker_ocr_pages_total, seconds per page.",
      registers,
    });
    this.threadDocuments = new Counter({
      name: "rag_worker_thread_documents_total",
      help: "Documents each thread finished, by outcome.",
      labelNames: ["thread", "status"],
      registers,
    });
    this.threadChunks = new Counter({
      name: "rag_worker_thread_chunks_total",
      help: "Chunks each thread wrote.",
      labelNames: ["thread"],
      registers,
    });
    this.threadBytes = new Counter({
      name: "rag_worker_thread_processed_bytes_total",
      help: "File bytes each thread read.",
      labelNames: ["thread"],
      registers,
    });
    this.threadBusy = new Counter({
      name: "rag_worker_thread_busy_seconds_total",
      help: "Time each thread spent in pipeline stages.",
      labelNames: ["thread"],
      registers,
    });
    this.threadStage = new Counter({
      name: "rag_worker_thread_stage_seconds_total",
      help: "Time each thread spent in each pipeline stage.",
      labelNames: ["thread", "stage"],
      registers,
    });
    this.reconciled = new Counter({
      name: "rag_worker_reconciled_total",
      help: "Documents the reconciler enqueued again, by why (PENDING with no live job, PROCESSING past its claim).",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of RECONCILE_REASONS) this.reconciled.inc({ reason }, 0);
    this.reconcilePass = new Gauge({
      name: "rag_worker_reconcile_last_pass_timestamp_seconds",
      help: "When this replica last finished a reconciler pass as the leader (Unix time; 0: never). Alert when no replica's is recent.",
      registers,
    });
    if (sources) this.observeSources(sources, registers);
  }

  private observeSources(sources: MetricSources, registers: Registry[]): void {
    const { pool, queue } = sources;
    new Gauge({
      name: "rag_worker_pool_threads",
      help: "Live threads in the pool.",
      registers,
      collect() {
        this.set(pool.threads.length);
      },
    });
    const busy: Gauge = new Gauge({
      name: "rag_worker_pool_busy_threads",
      help: "Threads running a document now.",
      registers,
      // Piscina has no busy count; the supervisor counts the tasks it has running.
      collect: () => busy.set(this.runningTasks),
    });
    new Gauge({
      name: "rag_worker_pool_queue_length",
      help: "Tasks waiting for a free thread.",
      registers,
      collect() {
        this.set(pool.queueSize);
      },
    });
    new Gauge({
      name: "rag_worker_pool_utilization_ratio",
      help: "Piscina's utilization: time threads spent running tasks over their capacity.",
      registers,
      collect() {
        this.set(pool.utilization);
      },
    });
    const { inFlightByStage, dependencyUp } = sources;
    if (dependencyUp) {
      const up: Gauge<"dependency"> = new Gauge({
        name: "rag_worker_dependency_up",
        help: "1 while the dependency (storage, embedding, database) answers; 0 while its circuit is open and no jobs are fetched.",
        labelNames: ["dependency"],
        registers,
        collect: () => {
          for (const [dependency, status] of Object.entries(dependencyUp()))
            up.set({ dependency }, status.up ? 1 : 0);
        },
      });
    }
    if (inFlightByStage) {
      const inFlight: Gauge<"stage"> = new Gauge({
        name: "rag_worker_documents_in_flight",
        help: "Documents being processed now, by the stage their thread last reported.",
        labelNames: ["stage"],
        registers,
        collect: () => {
          // Every stage, zeros included: a stage that emptied must read 0, not its last value.
          inFlight.reset();
          for (const [stage, count] of inFlightByStage()) inFlight.set({ stage }, count);
        },
      });
    }
    let cached: { at: number; counts: Record<string, number> } | null = null;
    const depthReadFailures = new Counter({
      name: "rag_worker_queue_depth_read_failures_total",
      help: "Scrapes where the queue depth could not be read from Redis in time.",
      registers,
    });
    const depth: Gauge<"state"> = new Gauge({
      name: "rag_worker_queue_jobs",
      help: "Jobs in the queue by state (for autoscaling).",
      labelNames: ["state"],
      registers,
      collect: async () => {
        if (!cached || Date.now() - cached.at > QUEUE_DEPTH_CACHE_MS) {
          if (!sources.redisReady()) {
            depthReadFailures.inc();
            return;
          }
          try {
            const counts = await withTimeout(queue.getJobCounts(...READ_STATES), 500);
            counts["waiting"] = (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0);
            cached = { at: Date.now(), counts };
          } catch {
            // Redis away: /metrics still answers, with the last known depth, and says so.
            depthReadFailures.inc();
            return;
          }
        }
        for (const state of QUEUE_STATES) depth.set({ state }, cached.counts[state] ?? 0);
      },
    });
  }

  recordHandBack(reason: string): void {
    this.handedBack.inc({ reason });
  }

  taskStarted(): void {
    this.runningTasks += 1;
  }

  taskEnded(): void {
    this.runningTasks -= 1;
  }

  /** A reconciler pass this replica finished as the leader, and what it enqueued again. */
  recordReconcilePass(enqueued: Readonly<Record<ReconcileReason, number>>): void {
    for (const reason of RECONCILE_REASONS) this.reconciled.inc({ reason }, enqueued[reason]);
    this.reconcilePass.set(Date.now() / 1000);
  }

  /** One job attempt's outcome, with the figures its thread measured. */
  recordOutcome(outcome: JobOutcome, seconds: number): void {
    this.duration.observe(seconds);
    const { status, stats } = outcome;
    if (outcome.fault === "thread-crash") this.threadCrashes.inc();
    if (outcome.fault === "unexpected-error") this.unexpectedErrors.inc();
    this.processed.inc({ status });
    if (status === "FAILED" || status === "INVALID") this.failed.inc();
    if (!stats) return;
    const thread = String(stats.threadId);
    this.threadDocuments.inc({ thread, status });
    if (outcome.chunksCreated > 0) {
      this.chunks.inc(outcome.chunksCreated);
      this.threadChunks.inc({ thread }, outcome.chunksCreated);
    }
    this.bytes.inc(stats.bytes);
    this.embeddings.inc({ source: "computed" }, stats.embeddingsComputed);
    this.embeddings.inc({ source: "reused" }, stats.embeddingsReused);
    this.ocrPages.inc(stats.ocrPages);
    this.ocrSeconds.inc(stats.ocrSeconds);
    this.cacheHits.inc({ kind: "batch" }, stats.embeddingCacheHits);
    this.cacheMisses.inc({ kind: "batch" }, stats.embeddingCacheMisses);
    this.threadBytes.inc({ thread }, stats.bytes);
    let busy = 0;
    for (const stage of STAGES) {
      const stageSeconds = stats.stageSeconds[stage];
      if (stageSeconds === undefined) continue;
      busy += stageSeconds;
      this.stageDuration.observe({ stage }, stageSeconds);
      this.threadStage.inc({ thread, stage }, stageSeconds);
    }
    this.threadBusy.inc({ thread }, busy);
    for (const [pattern, count] of Object.entries(stats.injectionPatterns))
      this.injection.inc({ pattern }, count);
  }
}
