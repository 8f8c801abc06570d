/** rag-corp's counting rules for the job metrics, on WorkerMetrics itself. */
import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import { WorkerMetrics, type JobOutcome, type JobStats } from "../../src/ops/worker-metrics.js";
import { parseMetrics, select, single } from "../support/metrics-samples.js";

const stats: JobStats = {
  threadId: 1,
  bytes: 10,
  embeddingsComputed: 0,
  embeddingsReused: 0,
  embeddingCacheHits: 2,
  embeddingCacheMisses: 3,
  ocrPages: 2,
  ocrSeconds: 1.5,
  stageSeconds: {},
  injectionPatterns: { system_prompt: 1 },
};

const outcome = (status: JobOutcome["status"], fault?: JobOutcome["fault"]): JobOutcome => ({
  status,
  chunksCreated: 0,
  stats: fault === "thread-crash" ? null : stats,
  ...(fault ? { fault } : {}),
});

describe("WorkerMetrics counts as rag-corp does", () => {
  it("labels outcomes with rag-corp's statuses and counts FAILED and INVALID jobs once", async () => {
    const metrics = new WorkerMetrics();
    metrics.recordOutcome(outcome("READY"), 0.7);
    metrics.recordOutcome(outcome("INVALID"), 0.1);
    metrics.recordOutcome(outcome("PENDING"), 0.2); // back to the queue: PENDING, not a failure yet
    metrics.recordOutcome(outcome("FAILED"), 0.2); // the last attempt, or a permanent failure: FAILED
    metrics.recordOutcome(outcome("FAILED"), 0.2);
    metrics.recordOutcome(outcome("FAILED"), 0.1); // found FAILED (cancelled)
    metrics.recordOutcome(outcome("PENDING", "thread-crash"), 3); // a thread crash that will be retried
    const samples = parseMetrics(await metrics.registry.metrics());
    const processed = Object.fromEntries(
      select(samples, "rag_worker_processed_total").map((sample) => [sample.labels["status"], sample.value]),
    );
    assert.deepEqual(processed, { READY: 1, INVALID: 1, PENDING: 2, FAILED: 3 });
    assert.equal(single(samples, "rag_worker_failed_total"), 4, "3 FAILED + 1 INVALID");
    assert.equal(single(samples, "rag_worker_duration_seconds_count"), 7);
    // rag-corp's buckets.
    const buckets = select(samples, "rag_worker_duration_seconds_bucket").map(
      (sample) => sample.labels["le"],
    );
    assert.deepEqual(buckets, ["0.5", "1", "2.5", "5", "10", "30", "60", "120", "300", "+Inf"]);
    assert.equal(single(samples, "rag_embedding_cache_hit_total", { kind: "batch" }), 12);
    assert.equal(single(samples, "rag_embedding_cache_miss_total", { kind: "batch" }), 18);
    assert.equal(single(samples, "rag_prompt_injection_detected_total", { pattern: "system_prompt" }), 6);
    assert.equal(single(samples, "rag_prompt_injection_detected_total", { pattern: "tool_abuse" }), 0);
    // Six outcomes carried a thread's figures (the crash did not): 2 pages and 1.5 s each.
    assert.equal(single(samples, "rag_worker_ocr_pages_total"), 12);
    assert.equal(single(samples, "rag_worker_ocr_seconds_total"), 9);
  });

  it("counts a thread crash and an unexpected error (a bug) each on its own counter", async () => {
    const metrics = new WorkerMetrics();
    metrics.recordOutcome(outcome("PENDING", "unexpected-error"), 0.2); // retried as a failure
    metrics.recordOutcome(outcome("FAILED", "unexpected-error"), 0.2); // its last attempt
    metrics.recordOutcome(outcome("PENDING", "thread-crash"), 0.2);
    metrics.recordOutcome(outcome("PENDING"), 0.2); // handed back at the drain: no fault
    const samples = parseMetrics(await metrics.registry.metrics());
    assert.equal(single(samples, "rag_worker_unexpected_errors_total"), 2);
    assert.equal(single(samples, "rag_worker_thread_crashes_total"), 1);
    assert.equal(single(samples, "rag_worker_processed_total", { status: "PENDING" }), 3);
    assert.equal(single(samples, "rag_worker_failed_total"), 1);
  });
});
