import { SpanKind, SpanStatusCode, type Span } from "@opentelemetry/api";
import { contextFromTraceparent, logFieldsOf, traceparentOf, type TraceLogFields } from "./trace-context.js";
import { activeTracer } from "./tracing.js";

/** What the supervisor's span of a job records at its start. */
export interface JobSpanStart {
  readonly jobId: string;
  readonly documentId: unknown;
  readonly workspaceId: unknown;
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The job data's W3C traceparent, when the API sent one: the span continues the API's trace. */
  readonly traceparent: unknown;
}

/** The supervisor's span of one job ("process-document"), open while the job runs. */
export interface JobSpan {
  /** Handed to the thread in its task: the thread's stage spans are this span's children. */
  readonly traceparent: string;
  /** Bound on the job's log lines. */
  readonly logFields: TraceLogFields;
  /** Ends the span with the job's outcome (rag_worker_processed_total's status), failed or not. */
  end(status: string, failure?: string): void;
}

const asText = (value: unknown): string => (typeof value === "string" ? value : String(value));

/** The span of a job, or null when tracing is off (then nothing at all is done per job). */
export function startJobSpan(job: JobSpanStart): JobSpan | null {
  const tracer = activeTracer();
  if (tracer === null) return null;
  const span: Span = tracer.startSpan(
    "process-document",
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "bullmq",
        "messaging.operation.type": "process",
        "messaging.message.id": job.jobId,
        "ragworker.document.id": asText(job.documentId),
        "ragworker.workspace.id": asText(job.workspaceId),
        "ragworker.job.attempt": job.attempt,
        "ragworker.job.max_attempts": job.maxAttempts,
      },
    },
    contextFromTraceparent(job.traceparent),
  );
  return {
    traceparent: traceparentOf(span),
    logFields: logFieldsOf(span),
    end(status, failure) {
      span.setAttribute("ragworker.job.status", status);
      if (failure !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
      span.end();
    },
  };
}
