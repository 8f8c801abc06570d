import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { SamplingDecision, TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, test } from "../support/bounded-test.js";
import { loadConfig } from "../../src/config/config.js";
import { samplerFor } from "../../src/telemetry/sampler.js";
import { contextFromTraceparent, traceparentOf } from "../../src/telemetry/trace-context.js";
import { tracesUrl } from "../../src/telemetry/tracing.js";

const API_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const API_SPAN = "00f067aa0ba902b7";

describe("trace context", () => {
  test("a job's traceparent becomes the remote parent; a malformed one starts a new trace", () => {
    const parent = trace.getSpanContext(contextFromTraceparent(`00-${API_TRACE}-${API_SPAN}-01`));
    assert.deepEqual(
      {
        traceId: parent?.traceId,
        spanId: parent?.spanId,
        flags: parent?.traceFlags,
        remote: parent?.isRemote,
      },
      { traceId: API_TRACE, spanId: API_SPAN, flags: 1, remote: true },
    );
    for (const bad of [
      undefined,
      42,
      "",
      "00-xyz-00f067aa0ba902b7-01",
      `00-${"0".repeat(32)}-${API_SPAN}-01`,
    ]) {
      assert.equal(trace.getSpanContext(contextFromTraceparent(bad)), undefined, String(bad));
    }
  });

  test("a span's traceparent names its own trace, id and sampled flag", () => {
    const tracer = new TracerProvider().getTracer("test");
    const span = tracer.startSpan("job", {}, contextFromTraceparent(`00-${API_TRACE}-${API_SPAN}-01`));
    const traceparent = traceparentOf(span);
    span.end();
    assert.match(traceparent, new RegExp(`^00-${API_TRACE}-[0-9a-f]{16}-01$`));
    assert.notEqual(traceparent.split("-")[2], API_SPAN);
  });

  test("the traces URL: the traces endpoint as given, else the base endpoint's /v1/traces, else off", () => {
    const url = (env: Record<string, string>) => tracesUrl(loadConfig(env).telemetry);
    assert.equal(url({}), null);
    assert.equal(
      url({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }),
      "http://collector:4318/v1/traces",
    );
    assert.equal(
      url({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://b/otlp",
      }),
      "https://b/otlp",
    );
    assert.throws(
      () => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }),
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    assert.equal(loadConfig({}).telemetry.serviceName, "ragworker");
  });

  test("OTEL_TRACES_SAMPLER: parent-based ones follow the API's sampled flag, the ratio honours its argument", () => {
    const decide = (env: Record<string, string>, traceparent: string | undefined, traceId = API_TRACE) =>
      samplerFor(loadConfig(env).telemetry).shouldSample(
        contextFromTraceparent(traceparent),
        traceId,
        "process-document",
        0,
        {},
        [],
      ).decision;
    const sampled = `00-${API_TRACE}-${API_SPAN}-01`;
    const unsampled = `00-${API_TRACE}-${API_SPAN}-00`;
    assert.equal(decide({}, unsampled), SamplingDecision.NOT_RECORD);
    assert.equal(decide({}, sampled), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide({}, undefined), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(
      decide({ OTEL_TRACES_SAMPLER: "always_on" }, unsampled),
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    assert.equal(decide({ OTEL_TRACES_SAMPLER: "ALWAYS_OFF" }, sampled), SamplingDecision.NOT_RECORD);
    const ratio = { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" };
    assert.equal(decide(ratio, undefined), SamplingDecision.NOT_RECORD);
    assert.equal(
      decide({ ...ratio, OTEL_TRACES_SAMPLER_ARG: "1" }, undefined),
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    assert.throws(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: "2" }), /OTEL_TRACES_SAMPLER_ARG/);
  });
});
