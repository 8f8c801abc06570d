import { SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
import { contextFromTraceparent, type TraceLogFields } from "./trace-context.js";
import { activeTracer } from "./tracing.js";

/** One pipeline stage's span in a thread. */
export interface StageSpan {
  /** Ends the span with the stage's figures, and the error it stopped with when it threw. */
  end(attributes: Attributes, error?: unknown): void;
}

/** A task's stage spans: children of the supervisor's job span, whose traceparent the task carried. */
export interface StageSpans {
  /** The job span's ids, bound on the thread's log lines for this task. */
  readonly logFields: TraceLogFields;
  start(stage: string): StageSpan;
}

/** The pipeline's stage names as span names: reading the file is the storage's part. */
function spanName(stage: string): string {
  return stage === "read" ? "storage" : stage;
}

/** Stage spans for a task, or null when this thread does not trace or the task carries no parent. */
export function stageSpansFor(traceparent: string | undefined): StageSpans | null {
  const tracer = activeTracer();
  if (tracer === null || traceparent === undefined) return null;
  const parent = contextFromTraceparent(traceparent);
  const parentSpan = trace.getSpanContext(parent);
  if (parentSpan === undefined) return null;
  return {
    logFields: { trace_id: parentSpan.traceId, span_id: parentSpan.spanId },
    start(stage) {
      const span = tracer.startSpan(spanName(stage), {}, parent);
      return {
        end(attributes, error) {
          span.setAttributes(attributes);
          if (error !== undefined) {
            const message = error instanceof Error ? error.message : String(error);
            span.setStatus({ code: SpanStatusCode.ERROR, message });
          }
          span.end();
        },
      };
    },
  };
}
