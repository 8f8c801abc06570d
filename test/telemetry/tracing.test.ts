/**
 * OpenTelemetry end to end, with the real worker process and a local OTLP/HTTP receiver standing
 * in for the collector: a job's trace (the supervisor's span continuing the API's traceparent,
 * the thread's stage spans its children, counts on the embed span), the trace ids on the job's
 * log lines, nothing exported without an endpoint, and a collector that is down costing a job
 * nothing. RECORD_TRACE_EXAMPLE=1 writes the trace the receiver got to
 * bench/results/trace-example.json (the README's example).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { after, before, describe, test } from "../support/bounded-test.js";
import { closeOtlpReceivers, startOtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { closeServer, listen, waitUntil } from "../support/waits.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const STAGES = ["storage", "extract", "chunk", "embed", "persist"];
const EXAMPLE_PATH = new URL("../../bench/results/trace-example.json", import.meta.url);

/** A Markdown document of a dozen 900-character chunks: four embedding batches of three. */
function handbook(): string {
  const section = (index: number) =>
    `## Section ${index}\n\n` + `Section ${index} explains one part of the ingestion handbook. `.repeat(14);
  return `# Handbook\n\n${Array.from({ length: 12 }, (_, index) => section(index + 1)).join("\n\n")}\n`;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** The spans of one trace once its job span and its five stage spans have all arrived. */
async function traceOf(spans: () => ReceivedSpan[], traceId: string): Promise<ReceivedSpan[]> {
  return waitUntil(`the job span and ${STAGES.length} stage spans of trace ${traceId}`, () => {
    const trace = spans().filter((span) => span.traceId === traceId);
    const names = new Set(trace.map((span) => span.name));
    return names.has("process-document") && STAGES.every((stage) => names.has(stage)) ? trace : false;
  });
}

function only(trace: readonly ReceivedSpan[], name: string): ReceivedSpan {
  const matching = trace.filter((span) => span.name === name);
  assert.equal(matching.length, 1, `one ${name} span`);
  return matching[0] as ReceivedSpan;
}

/** The trace as the README shows it: names, ids, parents, times and attributes, nothing else. */
function compact(trace: readonly ReceivedSpan[]): unknown {
  const start = (span: ReceivedSpan) => BigInt(span.startTimeUnixNano);
  const first = trace.reduce(
    (earliest, span) => (start(span) < earliest ? start(span) : earliest),
    start(trace[0] as ReceivedSpan),
  );
  return {
    recorded_by:
      "test/telemetry/tracing.test.ts (RECORD_TRACE_EXAMPLE=1), as the OTLP/HTTP receiver decoded it",
    spans: [...trace]
      .sort((a, b) => Number(start(a) - start(b)))
      .map((span) => ({
        name: span.name,
        trace_id: span.traceId,
        span_id: span.spanId,
        parent_span_id: span.parentSpanId,
        service: span.resource["service.name"],
        role: span.resource["ragworker.role"],
        start_ms: Math.round(Number(start(span) - first) / 1e5) / 10,
        duration_ms: Math.round(Number(BigInt(span.endTimeUnixNano) - start(span)) / 1e5) / 10,
        attributes: span.attributes,
      })),
  };
}

describe("job traces (OpenTelemetry)", () => {
  let env: TestEnvironment;

  before(async () => {
    env = await createTestEnvironment("otel-traces");
  });
  after(async () => {
    await closeOtlpReceivers();
    await env.close();
  });

  test("a job's trace continues the API's traceparent across the thread hop, and its log lines carry its ids", async () => {
    const receiver = await startOtlpReceiver();
    const worker = startWorkerProcess(
      env.env({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.server.url,
        WORKER_THREADS: "1",
        EMBEDDING_BATCH_SIZE: "3",
      }),
    );
    try {
      await waitUntilServing(worker, 1);
      const apiTraceId = hex(16);
      const apiSpanId = hex(8);
      const document = await env.insertDocument({ bytes: handbook(), fileName: "handbook.md" });
      const job = await env.enqueue({ ...document, traceparent: `00-${apiTraceId}-${apiSpanId}-01` });
      assert.equal((await env.finished(job)).state, "completed");

      const trace = await traceOf(receiver.spans, apiTraceId);
      const jobSpan = only(trace, "process-document");
      // The supervisor's span is the API's span's child; the thread's stage spans are its children.
      assert.equal(jobSpan.parentSpanId, apiSpanId);
      assert.equal(jobSpan.resource["ragworker.role"], "supervisor");
      assert.equal(jobSpan.resource["service.name"], "ragworker");
      assert.deepEqual(
        {
          document: jobSpan.attributes["ragworker.document.id"],
          workspace: jobSpan.attributes["ragworker.workspace.id"],
          job: jobSpan.attributes["messaging.message.id"],
          attempt: jobSpan.attributes["ragworker.job.attempt"],
          status: jobSpan.attributes["ragworker.job.status"],
        },
        {
          document: document.documentId,
          workspace: document.workspaceId,
          job: job.id,
          attempt: 1,
          status: "READY",
        },
      );
      for (const stage of STAGES) {
        const span = only(trace, stage);
        assert.equal(span.parentSpanId, jobSpan.spanId, `${stage}'s parent is the job span`);
        assert.equal(span.resource["ragworker.role"], "thread", `${stage} is exported by the thread`);
      }
      const embed = only(trace, "embed");
      const chunks = Number(embed.attributes["ragworker.chunk.count"]);
      assert.ok(chunks >= 10, `a dozen chunks, not ${chunks}`);
      assert.equal(embed.attributes["ragworker.embed.batch_count"], Math.ceil(chunks / 3));
      assert.equal(embed.attributes["ragworker.embed.text_count"], chunks);
      assert.equal(only(trace, "persist").attributes["ragworker.chunk.count"], chunks);
      assert.equal(only(trace, "chunk").attributes["ragworker.chunk.count"], chunks);
      assert.equal(
        only(trace, "storage").attributes["ragworker.document.bytes"],
        Buffer.byteLength(handbook()),
      );
      assert.equal(only(trace, "extract").attributes["ragworker.document.format"], "markdown");

      // The supervisor's lines and the thread's lines about this job carry the job span's ids.
      const jobLines = () => worker.logs.filter((line) => line["job_id"] === job.id);
      await worker.waitForLog(
        (line) => line["job_id"] === job.id && line.message === "Worker job finalizado",
      );
      await worker.waitForLog((line) => line["job_id"] === job.id && line.message === "document READY");
      const messages = new Set(jobLines().map((line) => line.message));
      assert.ok(messages.has("Worker job iniciado") && messages.has("document READY"));
      for (const line of jobLines()) {
        assert.equal(line["trace_id"], apiTraceId, `trace_id on "${line.message}"`);
        assert.equal(line["span_id"], jobSpan.spanId, `span_id on "${line.message}"`);
      }

      if (process.env["RECORD_TRACE_EXAMPLE"] === "1") {
        await writeFile(EXAMPLE_PATH, `${JSON.stringify(compact(trace), null, 2)}\n`);
      }

      // A job the API sent without a traceparent starts a trace of its own.
      const second = await env.insertDocument({ bytes: "# Short\n\nOne short note.\n", fileName: "note.md" });
      const secondJob = await env.enqueue(second);
      assert.equal((await env.finished(secondJob)).state, "completed");
      const ownSpan = await waitUntil("the second job's span", () =>
        receiver
          .spans()
          .find(
            (span) =>
              span.name === "process-document" && span.attributes["messaging.message.id"] === secondJob.id,
          ),
      );
      assert.equal(ownSpan.parentSpanId, null);
      assert.notEqual(ownSpan.traceId, apiTraceId);
      const ownTrace = await traceOf(receiver.spans, ownSpan.traceId);
      assert.ok(
        ownTrace
          .filter((span) => span.name !== "process-document")
          .every((span) => span.parentSpanId === ownSpan.spanId),
      );
    } finally {
      assert.equal(await worker.stop(), 0);
    }
  });

  test("without an endpoint: no tracing, nothing exported, no trace ids on the lines", async () => {
    const receiver = await startOtlpReceiver();
    // Every other OTEL_* variable set, so that only the endpoint's absence keeps tracing off.
    const worker = startWorkerProcess(
      env.env({ OTEL_SERVICE_NAME: "ragworker-off", OTEL_TRACES_SAMPLER: "always_on", WORKER_THREADS: "1" }),
    );
    let stopped: WorkerProcess | undefined;
    try {
      await waitUntilServing(worker, 1);
      const document = await env.insertDocument({ bytes: "# Off\n\nNot traced.\n", fileName: "off.md" });
      const job = await env.enqueue({ ...document, traceparent: `00-${hex(16)}-${hex(8)}-01` });
      assert.equal((await env.finished(job)).state, "completed");
      await worker.waitForLog(
        (line) => line["job_id"] === job.id && line.message === "Worker job finalizado",
      );
      assert.equal(await worker.stop(), 0);
      stopped = worker;
      // Stopped: whatever it would have exported, it would have by now.
      assert.equal(receiver.server.requests.length, 0);
      assert.ok(!worker.logs.some((line) => String(line.message).startsWith("tracing on")));
      const jobLines = worker.logs.filter((line) => line["job_id"] === job.id);
      assert.ok(jobLines.length >= 3);
      assert.ok(jobLines.every((line) => !("trace_id" in line) && !("span_id" in line)));
    } finally {
      if (!stopped) await worker.stop();
    }
  });

  test("a collector that does not answer costs a job nothing: READY, one warning, spans dropped", async () => {
    // A port that was just free: nothing listens there.
    const placeholder = createServer();
    const port = await listen(placeholder);
    await closeServer(placeholder);
    const worker = startWorkerProcess(
      // The SDK's own variable (process environment) shortens each attempt: read, not overridden.
      env.env({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_TIMEOUT: "2000",
        WORKER_THREADS: "1",
      }),
    );
    try {
      await waitUntilServing(worker, 1);
      const documents = await Promise.all(
        [1, 2].map((index) =>
          env.insertDocument({ bytes: `# Note ${index}\n\nText.\n`, fileName: `n${index}.md` }),
        ),
      );
      for (const document of documents) {
        const job = await env.enqueue(document);
        const outcome = await env.finished(job);
        assert.equal(outcome.state, "completed");
        assert.equal(await env.documentRow(document.documentId).then((row) => row?.status), "READY");
      }
      const warning = (line: { message?: string }) =>
        line.message === "trace export failed; spans are dropped (logged once)";
      await worker.waitForLog(warning, 30_000);
      // Once per thread that exports (the supervisor and the one pool thread), never per job.
      assert.ok(worker.logs.filter(warning).length <= 2);
    } finally {
      assert.equal(await worker.stop(), 0);
    }
  });
});
