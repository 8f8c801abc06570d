/**
 * Every line written while a job runs names the job, under rag-corp's field names, and the job's
 * own lines are rag-corp's; nothing carries over to the next job.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type LogLine, type WorkerProcess } from "../support/worker-process.js";

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

describe("job context in the logs", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;

  before(async () => {
    env = await createTestEnvironment("logging", { embeddingDim: 32 });
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "1", LOG_LEVEL: "DEBUG" }));
    await worker.waitForLog((line) => line.message === "Worker arrancando");
  });
  after(async () => {
    await worker.stop();
    await env.close();
  });

  test("the start-up line is rag-corp's, with its fields", () => {
    const started = worker.logs.find((line) => line.message === "Worker arrancando");
    assert.ok(started);
    assert.equal(started["level"], "INFO");
    assert.equal(started["logger"], "ragworker");
    assert.equal(started["module"], "supervisor");
    assert.equal(started["pid"], worker.child.pid);
    assert.match(String(started["timestamp"]), ISO_UTC);
    assert.equal(typeof started["queue"], "string");
    assert.equal(typeof started["http_port"], "number");
    assert.equal(started["redis_configured"], true);
    assert.equal(typeof started["db_pool_min"], "number");
    assert.equal(typeof started["db_pool_max"], "number");
    assert.equal(started["msg"], undefined);
    assert.equal(started["time"], undefined);
  });

  test("two jobs back to back: each line carries its own job's ids, none of the other's", async () => {
    const runs: Array<{ jobId: string; documentId: string; workspaceId: string; requestId: string }> = [];
    for (const name of ["first", "second"]) {
      const { documentId, workspaceId } = await env.insertDocument({
        bytes: `The ${name} document, about log lines and the context they carry.`,
        fileName: `${name}.txt`,
      });
      // The second job carries no request id: rag-corp's request_id is then the job id.
      const requestId = name === "first" ? `req-${name}` : undefined;
      const job = await env.enqueue({ documentId, workspaceId, ...(requestId ? { requestId } : {}) });
      await env.finished(job);
      await worker.waitForLog(
        (line) => line.message === "Worker job finalizado" && line["job_id"] === job.id,
      );
      runs.push({ jobId: job.id ?? "", documentId, workspaceId, requestId: requestId ?? job.id ?? "" });
    }

    const [first, second] = runs;
    assert.ok(first && second);
    assert.equal(second.requestId, second.jobId);
    const linesOf = (run: typeof first) => worker.logs.filter((line) => line["job_id"] === run.jobId);
    for (const run of runs) {
      const lines = linesOf(run);
      const messages = lines.map((line) => line.message);
      // Written by the supervisor and by the thread, both stamped.
      assert.ok(
        messages.includes("Worker job iniciado") && messages.includes("Worker job finalizado"),
        String(messages),
      );
      assert.ok(messages.includes("document READY"), String(messages));
      assert.ok(
        lines.some((line) => line["module"] === "thread" && line["thread"] !== undefined) &&
          lines.some((line) => line["module"] === "supervisor"),
      );
      for (const line of lines) {
        assert.equal(line["document_id"], run.documentId);
        assert.equal(line["workspace_id"], run.workspaceId);
        assert.equal(line["request_id"], run.requestId);
        for (const camel of ["jobId", "documentId", "requestId", "workspaceId"])
          assert.equal(line[camel], undefined);
      }
      const started = lines.filter((line) => line.message === "Worker job iniciado");
      const finished = lines.filter((line) => line.message === "Worker job finalizado");
      assert.equal(started.length, 1);
      assert.equal(finished.length, 1);
      assert.equal(started[0]?.["level"], "INFO");
      const done = finished[0];
      assert.ok(done);
      assert.equal(done["status"], "READY");
      assert.equal(typeof done["chunks_created"], "number");
      assert.ok(Number(done["chunks_created"]) >= 1);
      const seconds = Number(done["duration_seconds"]);
      assert.ok(Number.isFinite(seconds) && seconds >= 0, String(seconds));
      assert.equal(Math.round(seconds * 1000) / 1000, seconds, "rounded to the millisecond");
    }
    // No line names one job with the other's document or request, and lines outside jobs name none.
    const mixed = (line: LogLine) =>
      (line["job_id"] === first.jobId &&
        (line["document_id"] === second.documentId || line["request_id"] === second.requestId)) ||
      (line["job_id"] === second.jobId &&
        (line["document_id"] === first.documentId || line["request_id"] === first.requestId));
    assert.deepEqual(worker.logs.filter(mixed), []);
    const started = worker.logs.find((line) => line.message === "Worker arrancando");
    assert.equal(started?.["job_id"], undefined);
  });

  test("a job that fails for good still ends with rag-corp's finalizado line, status FAILED", async () => {
    const { documentId, workspaceId } = await env.insertDocument({
      bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      fileName: "picture.png",
    });
    const job = await env.enqueue({ documentId, workspaceId });
    await env.finished(job);
    const done = await worker.waitForLog(
      (line) => line.message === "Worker job finalizado" && line["job_id"] === job.id,
    );
    assert.equal(done["status"], "FAILED");
    assert.equal(done["chunks_created"], 0);
    assert.equal(done["document_id"], documentId);
    assert.equal(done["workspace_id"], workspaceId);
    assert.equal(done["request_id"], job.id);
    // The thread said why, with the error in rag-corp's `exception` shape.
    const failed = worker.logs.find(
      (line) => line.message === "document failed" && line["job_id"] === job.id,
    );
    const exception = failed?.["exception"] as { type?: unknown; message?: unknown; stacktrace?: unknown };
    assert.equal(typeof exception.type, "string");
    assert.equal(typeof exception.message, "string");
    assert.ok(Array.isArray(exception.stacktrace));
  });

  test("an invalid job (ids not UUIDs) is logged under its job and request ids", async () => {
    const job = await env.enqueue({ documentId: "not-a-uuid", workspaceId: randomUUID() });
    await env.finished(job);
    const done = await worker.waitForLog(
      (line) => line.message === "Worker job finalizado" && line["job_id"] === job.id,
    );
    assert.equal(done["status"], "INVALID");
    assert.equal(done["document_id"], "not-a-uuid");
    assert.equal(done["request_id"], job.id);
  });

  test("after the jobs, the drain's lines name no job", async () => {
    await worker.stop();
    const afterJobs = worker.logs.filter(
      (line) =>
        line.message === "worker stopped" ||
        line.message === "draining: no new jobs, waiting for running ones",
    );
    assert.equal(afterJobs.length, 2);
    for (const line of afterJobs) assert.equal(line["job_id"], undefined);
  });
});
