import type { Tracer } from "@opentelemetry/api";
import { setGlobalErrorHandler } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  defaultResource,
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { TelemetrySettings } from "../config/telemetry-settings.js";
import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import { samplerFor } from "./sampler.js";

/** Spans leave at most this long after they end (the SDK's default is 5 s). */
const EXPORT_DELAY_MS = 1000;
/**
 * An export given up after this long at the most, its spans dropped; the request itself is cut
 * sooner by the exporter's own timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s unless set).
 */
const EXPORT_TIMEOUT_MS = 30_000;
/** The final flush at shutdown waits at most this long: a dead collector must not hold the drain. */
const SHUTDOWN_TIMEOUT_MS = 3000;

export interface Tracing {
  /** Exports what is left (bounded by SHUTDOWN_TIMEOUT_MS) and stops; never rejects. */
  shutdown(): Promise<void>;
}

/** The tracer of this thread (the supervisor's or a pool thread's), or null when tracing is off. */
let tracer: Tracer | null = null;

/** The tracer spans are made with; null when no endpoint is set, so callers skip all tracing work. */
export function activeTracer(): Tracer | null {
  return tracer;
}

/** Where spans go: the traces endpoint as given, or the base endpoint's /v1/traces. */
export function tracesUrl(settings: TelemetrySettings): string | null {
  if (settings.otlpTracesEndpoint !== null) return settings.otlpTracesEndpoint;
  if (settings.otlpEndpoint === null) return null;
  return `${settings.otlpEndpoint.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * Starts this thread's tracing SDK when an OTLP endpoint is set: a tracer provider of its own
 * (each worker thread has its own globals and event loop, so each exports its own spans), a batch
 * span processor and the OTLP/HTTP (JSON) exporter. Nothing is started without an endpoint: no
 * SDK, no timer, no export. Export runs off the job's path; a collector that is down or slow costs
 * a job nothing: its spans are dropped, and the first failure is logged once per thread.
 */
export function startTracing(
  settings: TelemetrySettings,
  logger: Logger,
  attributes: Readonly<Record<string, string | number>> = {},
): Tracing | null {
  const url = tracesUrl(settings);
  if (url === null) return null;
  let warned = false;
  setGlobalErrorHandler((error) => {
    if (warned) {
      logger.debug({ err: describeError(error) }, "trace export failed; spans dropped");
      return;
    }
    warned = true;
    logger.warn({ err: describeError(error), url }, "trace export failed; spans are dropped (logged once)");
  });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, ...attributes }));
  const provider = new TracerProvider({
    resource,
    sampler: samplerFor(settings),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url }),
        scheduledDelayMillis: EXPORT_DELAY_MS,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  tracer = provider.getTracer("ragworker");
  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= boundedShutdown(provider, logger).finally(() => {
        tracer = null;
      });
      return stopping;
    },
  };
}

async function boundedShutdown(provider: TracerProvider, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timed out">((resolve) => {
    timer = setTimeout(() => resolve("timed out"), SHUTDOWN_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const ended = await Promise.race([provider.shutdown().then(() => "done" as const), timedOut]);
    if (ended === "timed out")
      logger.warn("trace export did not finish at shutdown; the last spans are dropped");
  } catch (error) {
    logger.warn({ err: describeError(error) }, "trace export failed at shutdown; the last spans are dropped");
  } finally {
    clearTimeout(timer);
  }
}
