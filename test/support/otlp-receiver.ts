/**
 * A local OTLP/HTTP receiver standing in for the collector: it accepts what the worker's
 * exporters POST to /v1/traces (OTLP JSON) and decodes it into flat spans a test can check.
 */
import type { ServerResponse } from "node:http";
import { recordingServers, type RecordedRequest, type RecordingServer } from "./recording-server.js";

export type AttributeValue = string | number | boolean | null;

/** One span as the receiver got it, with its resource's and its own attributes as plain values. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly statusCode: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly resource: Readonly<Record<string, AttributeValue>>;
}

interface OtlpKeyValue {
  key: string;
  value?: {
    stringValue?: string;
    intValue?: number | string;
    doubleValue?: number;
    boolValue?: boolean;
  };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpKeyValue[];
  status?: { code?: number };
}

interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

function plain(value: OtlpKeyValue["value"]): AttributeValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return null;
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));
}

/** The spans of one OTLP JSON export request (a request that is not one fails the test). */
export function decodeTraceRequest(request: RecordedRequest): ReceivedSpan[] {
  if (request.path !== "/v1/traces") throw new Error(`an export to ${request.path}, not /v1/traces`);
  const body = JSON.parse(request.body) as OtlpTraceRequest;
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributes(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ? span.parentSpanId : null,
        name: span.name,
        kind: span.kind ?? 0,
        startTimeUnixNano: span.startTimeUnixNano,
        endTimeUnixNano: span.endTimeUnixNano,
        statusCode: span.status?.code ?? 0,
        attributes: attributes(span.attributes),
        resource,
      })),
    );
  });
}

export interface OtlpReceiver {
  readonly server: RecordingServer;
  /** Every span received so far, in the order the requests came. */
  spans(): ReceivedSpan[];
}

const servers = recordingServers("an OTLP receiver");

/** Starts a receiver on a free port that answers every export with OTLP's success (200, `{}`). */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const server = await servers.start((_request, _count, response: ServerResponse) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  });
  return { server, spans: () => server.requests.flatMap(decodeTraceRequest) };
}

export const closeOtlpReceivers = (): Promise<void> => servers.closeAll();
