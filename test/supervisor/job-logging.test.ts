/** Every line written while a job runs names the job; nothing carries over to the next. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type LogLine, type WorkerProcess } from "../support/worker-process.js";

describe("job context in the logs", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;

  before(async () => {
    env = await createTestEnvironment("logging", { embeddingDim: 32 });
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "1", LOG_LEVEL: "debug" }));
    await worker.waitForLog((line) => line.msg === "worker started");
  });
  after(async () => {
    await worker.stop();
    await env.close();
  });

  test("two jobs back to back: each line carries its own job's ids, none of the other's", async () => {
    const runs: Array<{ jobId: string; documentId: string; requestId: string }> = [];
    for (const name of ["first", "second"]) {
      const { documentId, workspaceId } = await env.insertDocument({
        bytes: `The ${name} document, about log lines and the context they carry.`,
        fileName: `${name}.txt`,
      });
      const requestId = `req-${name}`;
      const job = await env.enqueue({ documentId, workspaceId, requestId });
      await env.finished(job);
      await worker.waitForLog((line) => line.msg === "job finished" && line["jobId"] === job.id);
      runs.push({ jobId: job.id ?? "", documentId, requestId });
    }

    const [first, second] = runs;
    assert.ok(first && second);
    const linesOf = (run: typeof first) => worker.logs.filter((line) => line["jobId"] === run.jobId);
    for (const run of runs) {
      const lines = linesOf(run);
      const messages = lines.map((line) => line.msg);
      // Written by the supervisor and by the thread, both stamped.
      assert.ok(messages.includes("job started") && messages.includes("job finished"), String(messages));
      assert.ok(messages.includes("document READY"), String(messages));
      assert.ok(
        lines.some((line) => line["thread"] !== undefined) &&
          lines.some((line) => line["role"] === "supervisor"),
      );
      for (const line of lines) {
        assert.equal(line["documentId"], run.documentId);
        assert.equal(line["requestId"], run.requestId);
      }
    }
    // No line names one job with the other's document or request, and lines outside jobs name none.
    const mixed = (line: LogLine) =>
      (line["jobId"] === first.jobId &&
        (line["documentId"] === second.documentId || line["requestId"] === second.requestId)) ||
      (line["jobId"] === second.jobId &&
        (line["documentId"] === first.documentId || line["requestId"] === first.requestId));
    assert.deepEqual(worker.logs.filter(mixed), []);
    const started = worker.logs.find((line) => line.msg === "worker started");
    assert.equal(started?.["jobId"], undefined);

    await worker.stop();
    const afterJobs = worker.logs.filter(
      (line) =>
        line.msg === "worker stopped" || line.msg === "draining: no new jobs, waiting for running ones",
    );
    assert.equal(afterJobs.length, 2);
    for (const line of afterJobs) assert.equal(line["jobId"], undefined);
  });
});
