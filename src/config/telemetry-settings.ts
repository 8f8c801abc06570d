import { httpUrlWithoutCredentials, oneOf, reader, text } from "./readers.js";
import { optionalSetting, setting } from "./setting.js";
import { z } from "zod";

/** OTEL_TRACES_SAMPLER's values, as the OpenTelemetry specification names them. */
export const TRACE_SAMPLERS = [
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
  "always_on",
  "always_off",
  "traceidratio",
] as const;

export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

/**
 * OpenTelemetry's standard variables that ragworker reads itself: an endpoint turns tracing on
 * (none: no SDK is started at all), the rest shape the traces. They are read here, not only by
 * the SDK from `process.env`, so that a `.env` file sets them too and a bad value stops the start
 * with one line like every other setting. The exporter's own OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT
 * and _COMPRESSION are left to the SDK (process environment only): see the README's tracing section.
 */
export const TELEMETRY_SETTINGS = {
  otlpEndpoint: optionalSetting(
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    httpUrlWithoutCredentials("headers carry credentials: OTEL_EXPORTER_OTLP_HEADERS"),
    {
      describe:
        'OTLP/HTTP collector base URL (traces go to `<url>/v1/traces`); set, each job makes a trace (see "Tracing (OpenTelemetry)"); unset, no tracing SDK starts',
    },
  ),
  otlpTracesEndpoint: optionalSetting(
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    httpUrlWithoutCredentials("headers carry credentials: OTEL_EXPORTER_OTLP_HEADERS"),
    {
      describe:
        "the full OTLP/HTTP traces URL (used as is); wins over `OTEL_EXPORTER_OTLP_ENDPOINT` and turns tracing on too",
    },
  ),
  serviceName: setting("OTEL_SERVICE_NAME", text("a service name"), {
    default: "ragworker",
    describe: "the traces' `service.name` (`OTEL_RESOURCE_ATTRIBUTES` adds more resource attributes)",
  }),
  tracesSampler: setting("OTEL_TRACES_SAMPLER", oneOf(TRACE_SAMPLERS, { anyCase: true }), {
    default: "parentbased_always_on",
    describe:
      "which jobs are traced; the `parentbased_*` ones follow the API's sampled flag in the job's `traceparent`",
  }),
  tracesSamplerArg: optionalSetting(
    "OTEL_TRACES_SAMPLER_ARG",
    reader(z.coerce.number().min(0).max(1), "a ratio from 0 to 1"),
    {
      defaultText: "`1` for the ratio samplers",
      describe: "the ratio of traces the `*traceidratio` samplers keep",
    },
  ),
};

export interface TelemetrySettings {
  readonly otlpEndpoint: string | null;
  readonly otlpTracesEndpoint: string | null;
  readonly serviceName: string;
  readonly tracesSampler: TraceSamplerName;
  readonly tracesSamplerArg: number | null;
}
