/** rag-corp's counting rules for the job metrics, on WorkerMetrics itself. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkerMetrics } from "../../src/ops/worker-metrics.js";
import type { TaskResult, TaskStats } from "../../src/protocol/thread-protocol.js";
import { parseMetrics, select, single } from "../support/metrics-samples.js";

const stats: TaskStats = {
  threadId: 1,
  bytes: 10,
  chunks: 0,
  embeddingsComputed: 0,
  embeddingsReused: 0,
  embeddingCacheHits: 2,
  embeddingCacheMisses: 3,
  format: "text",
  stageSeconds: {},
  injectionPatterns: { system_prompt: 1 },
};

const ok = (status: "READY" | "INVALID" | "FAILED"): TaskResult => ({
  ok: true,
  status,
  chunksCreated: 0,
  stats,
});
const failure = (retryable: boolean): TaskResult => ({
  ok: false,
  code: retryable ? "DATABASE_UNAVAILABLE" : "CORRUPT_FILE",
  message: "x",
  retryable,
  stats,
});

describe("WorkerMetrics counts as rag-corp does", () => {
  it("labels outcomes with rag-corp's statuses and counts FAILED and INVALID jobs once", async () => {
    const metrics = new WorkerMetrics();
    metrics.recordOutcome(ok("READY"), 0.7, false);
    metrics.recordOutcome(ok("INVALID"), 0.1, false);
    metrics.recordOutcome(failure(true), 0.2, true); // back to the queue: PENDING, not a failure yet
    metrics.recordOutcome(failure(true), 0.2, false); // the last attempt: FAILED
    metrics.recordOutcome(failure(false), 0.2, true); // permanent: FAILED whatever the attempts left
    metrics.recordOutcome(ok("FAILED"), 0.1, false); // found FAILED (cancelled)
    metrics.recordOutcome(null, 3, true); // a thread crash that will be retried
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
  });
});
