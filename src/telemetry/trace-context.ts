import { ROOT_CONTEXT, trace, type Context, type Span } from "@opentelemetry/api";
import { parseTraceParent } from "@opentelemetry/core";

/** The fields a log line written under a span carries: how logs and traces are joined. */
export interface TraceLogFields {
  readonly trace_id: string;
  readonly span_id: string;
}

/**
 * The context a W3C `traceparent` (the job's, from the API, or the supervisor's, handed to a
 * thread) makes the parent of the next span; the root context when there is none or it does not
 * parse (a job's data is the API's to fill: a bad value starts a new trace, it fails nothing).
 */
export function contextFromTraceparent(traceparent: unknown): Context {
  if (typeof traceparent !== "string") return ROOT_CONTEXT;
  const parent = parseTraceParent(traceparent);
  if (parent === null || !trace.isSpanContextValid(parent)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
}

/** The span as a W3C `traceparent` (version 00), for the next hop to continue it. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`;
}

export function logFieldsOf(span: Span): TraceLogFields {
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
