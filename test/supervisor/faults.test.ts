/**
 * Short versions of the fault scenarios with real worker processes: a worker killed with
 * SIGKILL mid-load, and three workers sharing one queue. Nothing lost, nothing stuck, no
 * duplicate chunks.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import type { Job } from "bullmq";
import { assertDocumentsReadyExactly } from "../support/document-assertions.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { readyLinesFor, startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

function mediumText(seed: number): string {
  return Array.from(
    { length: 2_000 },
    (_, p) =>
      `Paragraph ${seed}-${p}: ${Array.from({ length: 40 }, (_, w) => `w${(seed * 31 + p * 7 + w) % 9973}`).join(" ")}.`,
  ).join("\n\n");
}

describe("faults", () => {
  let env: TestEnvironment;
  const workers: WorkerProcess[] = [];
  const start = (overrides: Record<string, string> = {}) => {
    const worker = startWorkerProcess(env.env({ WORKER_THREADS: "2", JOB_LOCK_MS: "2000", ...overrides }));
    workers.push(worker);
    return worker;
  };

  before(async () => {
    env = await createTestEnvironment("faults", { embeddingDim: 16 });
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
    await env.close();
  });

  const enqueueDocuments = async (count: number, prefix: number) => {
    const jobs: Array<{ job: Job; documentId: string }> = [];
    for (let i = 0; i < count; i += 1) {
      const doc = await env.insertDocument({ bytes: mediumText(prefix + i), fileName: `f${prefix + i}.txt` });
      jobs.push({ job: await env.enqueue(doc, 3), documentId: doc.documentId });
    }
    return jobs;
  };

  test("SIGKILL mid-load, then a fresh worker: every document READY, none stuck, no duplicates", async () => {
    const victim = start();
    await victim.waitForLog((line) => line.message === "Worker arrancando");
    const jobs = await enqueueDocuments(10, 0);
    // Kill it once documents are claimed, so the kill leaves PROCESSING rows behind.
    const claimed = async () =>
      (await env.db.query("SELECT id FROM documents WHERE status = 'PROCESSING'")).rows.length;
    for (const deadline = Date.now() + 20_000; (await claimed()) < 1 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    victim.child.kill("SIGKILL");
    assert.equal(await victim.exited(), "SIGKILL");
    assert.ok((await claimed()) >= 1, "the kill left claimed documents behind");

    const survivor = start();
    await assertDocumentsReadyExactly(env, jobs);
    const stuck = await env.db.query("SELECT id FROM documents WHERE status = 'PROCESSING'");
    assert.deepEqual(stuck.rows, []);
    assert.equal(await survivor.stop(), 0);
  });

  test("three workers on one queue: each document processed to READY once, chunk counts exact", async () => {
    const three = [
      start({ WORKER_THREADS: "1" }),
      start({ WORKER_THREADS: "1" }),
      start({ WORKER_THREADS: "1" }),
    ];
    await Promise.all(
      three.map((worker) => worker.waitForLog((line) => line.message === "Worker arrancando")),
    );
    const jobs = await enqueueDocuments(24, 1000);
    await assertDocumentsReadyExactly(env, jobs);
    const readyLines = await readyLinesFor(
      three,
      jobs.map((entry) => entry.documentId),
    );
    assert.equal(readyLines.length, jobs.length, "no document was processed twice");
    assert.ok(
      three.filter((worker) => worker.logs.some((line) => line.message === "document READY")).length >= 2,
      "the work was shared",
    );
    for (const worker of three) assert.equal(await worker.stop(), 0);
  });
});
