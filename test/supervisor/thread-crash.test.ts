/**
 * Fault scenario 1, short version: a thread dies mid-document, once by an uncaught error and once
 * by a hard exit (injected by test/support/thread-crash-injector.mjs, loaded with --import). The
 * thread is replaced, the job is retried to READY, and the supervisor never notices beyond a log
 * line and a counter.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "../support/bounded-test.js";
import type { Job } from "bullmq";
import { assertDocumentsReadyExactly } from "../support/document-assertions.js";
import { scrapeMetric } from "../support/metrics-samples.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import {
  CLI_PATH,
  startWorkerProcess,
  waitUntilServing,
  type WorkerProcess,
} from "../support/worker-process.js";

const INJECTOR = fileURLToPath(new URL("../support/thread-crash-injector.mjs", import.meta.url));

function text(seed: number): string {
  return Array.from(
    { length: 300 },
    (_, p) =>
      `Paragraph ${seed}-${p}: ${Array.from({ length: 30 }, (_, w) => `w${(seed * 17 + w) % 997}`).join(" ")}.`,
  ).join("\n\n");
}

describe("thread crash mid-document", () => {
  let env: TestEnvironment;
  let crashDir: string;
  let worker: WorkerProcess;
  let port: number;

  before(async () => {
    env = await createTestEnvironment("thread-crash", { embeddingDim: 16 });
    crashDir = await mkdtemp(join(tmpdir(), "ragworker-crash-"));
    worker = startWorkerProcess(env.env({ RAGWORKER_CRASH_DIR: crashDir }), ["start"], CLI_PATH, [
      "--import",
      INJECTOR,
    ]);
    port = await waitUntilServing(worker, 2);
  });
  after(async () => {
    await worker.stop("SIGKILL");
    await env.close();
    await rm(crashDir, { recursive: true, force: true });
  });

  const metric = (name: string) => scrapeMetric(port, name);

  for (const [mode, index] of [
    ["throw", 1],
    ["exit", 2],
  ] as const) {
    test(`${mode}: the thread is replaced, the job retried to READY, the supervisor keeps its pid`, async () => {
      const pid = worker.child.pid;
      const crashesBefore = await metric("rag_worker_thread_crashes_total");
      await writeFile(join(crashDir, "crash"), mode);
      const jobs: Array<{ job: Job; documentId: string }> = [];
      for (let i = 0; i < 12; i += 1) {
        const doc = await env.insertDocument({ bytes: text(index * 100 + i), fileName: `${mode}-${i}.txt` });
        jobs.push({ job: await env.enqueue(doc, 3), documentId: doc.documentId });
      }
      await assertDocumentsReadyExactly(env, jobs);

      const crashLines = worker.logs.filter(
        (line) =>
          line.message === "Worker job falló con excepción" &&
          String(line["error"]).startsWith("THREAD_CRASHED:") &&
          jobs.some((entry) => entry.job.id === line["job_id"]),
      );
      assert.equal(crashLines.length, 1, "exactly one job was hit by the crash");
      assert.equal(await metric("rag_worker_thread_crashes_total"), crashesBefore + 1);
      assert.equal(await metric("rag_worker_pool_threads"), 2, "the dead thread was replaced");
      assert.equal(worker.child.exitCode, null, "the supervisor is still running");
      assert.equal(worker.child.pid, pid);
    });
  }
});
