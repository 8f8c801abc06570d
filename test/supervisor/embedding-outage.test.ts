/**
 * The real worker on an OpenAI-compatible embedding service (a local stand-in) that answers 503
 * for a few seconds, then 429 with `Retry-After`, then works again: the embedding circuit opens
 * once, jobs are handed back without spending attempts, /readyz and /metrics say so, and every
 * document ends READY once the service is back. Fault row 14, short version.
 */
import assert from "node:assert/strict";
import type { Job } from "bullmq";
import { after, before, describe, test } from "../support/bounded-test.js";
import {
  assertRecovered,
  circuitLines,
  circuitView,
  FAST_PROBES,
  isOpen,
} from "../support/dependency-outage.js";
import { startEmbeddingStandIn, type EmbeddingStandIn } from "../support/embedding-stand-in.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import { paragraph } from "../support/text.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { sleep, waitUntil } from "../support/waits.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const DIMENSION = 32;
/** How long each bad phase lasts once the circuit is open. */
const PHASE_MS = 3_000;

describe("a worker whose embedding service has a bad minute", () => {
  let env: TestEnvironment;
  let service: EmbeddingStandIn;
  let worker: WorkerProcess;
  let port: number;

  before(async () => {
    env = await createTestEnvironment("embedding-outage", { embeddingDim: DIMENSION });
    service = await startEmbeddingStandIn(DIMENSION, { retryAfterSeconds: 1 });
    // One retry of its own (0.5 s, or the Retry-After) before the embedder gives the job back.
    worker = startWorkerProcess(env.env({ ...service.env(), ...FAST_PROBES, EMBEDDING_MAX_RETRIES: "1" }));
    port = await waitUntilServing(worker, 2);
  });

  after(async () => {
    await worker?.stop();
    await service?.close();
    await env?.close();
  });

  test("503, then 429 with Retry-After: one circuit opens, jobs are handed back without spending attempts, all READY once the service is back", async () => {
    const documents = await Promise.all(
      ["e1", "e2", "e3", "e4", "e5"].map((tag) =>
        env.insertDocument({ fileName: `${tag}.txt`, bytes: paragraph(tag) }),
      ),
    );
    const before = circuitLines(worker, "embedding");
    service.mode = "unavailable";
    let jobs: Job[] = [];
    try {
      // As rag-corp's API enqueues: three attempts, fewer than the outage would take.
      jobs = await Promise.all(documents.map((document) => env.enqueue(document, 3)));
      await worker.waitForLog(() => circuitLines(worker, "embedding").opens > before.opens, 30_000);
      await sleep(PHASE_MS);
      const during503 = await circuitView(port, "embedding");
      assert.ok(isOpen(during503), JSON.stringify(during503));
      assert.equal(during503.circuit?.credentials_rejected, false);
      assert.match(during503.reason, /embedding down since \d{4}-/);
      assert.match(during503.circuit?.reason ?? "", /503/);
      assert.ok((await scrapeMetric(port, "rag_worker_handed_back_total", { reason: "embedding" })) >= 1);

      service.mode = "throttled";
      const throttledBefore = service.answered.throttled;
      await waitUntil("the probes to meet the 429s", () => service.answered.throttled >= throttledBefore + 2);
      await sleep(PHASE_MS);
      const during429 = await circuitView(port, "embedding");
      assert.ok(
        isOpen(during429),
        `429 past the retries keeps the circuit open: ${JSON.stringify(during429)}`,
      );
      assert.match(during429.circuit?.reason ?? "", /429/);
      for (const document of documents) {
        assert.equal(
          (await env.documentRow(document.documentId))?.status,
          "PENDING",
          "back to its state before the claim",
        );
      }
    } finally {
      service.mode = "ok";
    }
    await assertRecovered(env, worker, port, jobs, "embedding", before);
    assert.ok(service.answered.unavailable >= 2 && service.answered.throttled >= 2);
  });
});
