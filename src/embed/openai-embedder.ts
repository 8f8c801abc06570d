/**
 * An embedder over an OpenAI-compatible HTTP API: `POST {url}/v1/embeddings` with
 * `{ model, input: string[] }`, answered by `{ data: [{ index, embedding: number[] }] }`. OpenAI,
 * Hugging Face TEI, Ollama and vLLM all speak it.
 *
 * One `embed(texts)` is one request (the pipeline batches). Each attempt holds a permit of a
 * semaphore shared by every thread of the process while it is in flight, not while it sleeps
 * before a retry, and is bounded by `timeoutMs`. 429, 408, 5xx, network errors and timeouts are
 * retried with exponential backoff and jitter (or after `Retry-After`); after `maxRetries` the
 * call fails with a DependencyUnavailableError (the job goes back to the queue, no attempt spent),
 * as does a refusal of the deployment (401, 403, 404, 407). Any other refusal, or an answer of the
 * wrong shape, is a PermanentError: sending the same input again would not help.
 *
 * The API key goes only into the `Authorization` header: it is never logged, and it is masked
 * out of any service message copied into an error.
 */
import { setTimeout as delay } from "node:timers/promises";

import { PermanentError } from "../errors/permanent-error.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import type { Embedder } from "./embedder.js";
import type { SharedSemaphore } from "../protocol/shared-semaphore.js";
import { describeRequestFailure } from "./describe-request-failure.js";

export interface OpenAiEmbedderOptions {
  /** `EMBEDDING_URL`: with or without a trailing slash or `/v1`. */
  readonly url: string;
  readonly apiKey?: string;
  readonly model: string;
  readonly dimension: number;
  /** Bound on each attempt, from sending the request to reading the whole answer. */
  readonly timeoutMs: number;
  /** Retries after the first attempt; 0 means one attempt. */
  readonly maxRetries: number;
  readonly semaphore: SharedSemaphore;
  /** Waits between attempts; tests record the delay instead of waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told before each retry, for logs and metrics; the reason never holds the key. */
  readonly onRetry?: (retry: OpenAiRetry) => void;
}

export interface OpenAiRetry {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

/** First backoff step; doubled each retry up to BACKOFF_MAX_MS, then jittered. */
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A `Retry-After` longer than this is cut short: the job would rather fail and be retried. */
export const RETRY_AFTER_MAX_MS = 60_000;
/**
 * Refusals of the deployment, not of the input: bad key (401), no access (403), wrong URL or
 * model (404), a proxy wanting credentials (407). The embedding circuit opens; no document fails.
 */
const DEPLOYMENT_STATUSES = new Set([401, 403, 404, 407]);
/** Characters of the service's own error message kept in ours. */
const SERVICE_MESSAGE_MAX = 300;

/** `{url}/v1/embeddings`, whether `url` ends in `/`, `/v1` or `/v1/`; a query string is kept. */
export function embeddingsEndpoint(url: string): URL {
  let endpoint: URL;
  try {
    endpoint = new URL(url);
  } catch {
    throw new TypeError("embedding URL is not a valid URL");
  }
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new TypeError(`embedding URL must be http or https, got ${endpoint.protocol}`);
  }
  if (endpoint.username !== "" || endpoint.password !== "") {
    // fetch refuses these, and would echo the URL (with its password) in the error.
    throw new TypeError("embedding URL must not contain credentials; use the API key setting");
  }
  const path = endpoint.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  endpoint.pathname = `${path}/v1/embeddings`;
  endpoint.hash = "";
  return endpoint;
}

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const { apiKey, model, dimension, timeoutMs, maxRetries, semaphore } = options;
  if (!Number.isInteger(dimension) || dimension <= 0) {
    throw new RangeError(`embedding dimension must be a positive integer, got ${dimension}`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`embedding timeout must be a positive number of ms, got ${timeoutMs}`);
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`embedding retries must be a non-negative integer, got ${maxRetries}`);
  }
  if (model.trim() === "") {
    throw new RangeError("embedding model must not be empty");
  }
  const endpoint = embeddingsEndpoint(options.url).href;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (apiKey !== undefined && apiKey !== "") headers.authorization = `Bearer ${apiKey}`;
  const redact = (text: string): string =>
    apiKey !== undefined && apiKey !== "" ? text.split(apiKey).join("***") : text;

  async function attempt(body: string, count: number): Promise<Outcome> {
    // The permit covers the request and reading its answer, not the wait before a retry.
    return semaphore.use(async () => {
      const signal = AbortSignal.timeout(timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await fetch(endpoint, { method: "POST", headers, body, signal });
        text = await response.text();
      } catch (error) {
        return { kind: "retry", reason: describeRequestFailure(error, timeoutMs), cause: error };
      }
      if (response.ok) return { kind: "done", vectors: parseVectors(text, count, dimension) };
      const message = redact(serviceMessage(text));
      const status = response.status;
      if (status === 429 || status === 408 || status >= 500) {
        return {
          kind: "retry",
          reason: `HTTP ${status}${message === "" ? "" : `: ${message}`}`,
          retryAfterMs: retryAfter(response.headers),
        };
      }
      if (DEPLOYMENT_STATUSES.has(status)) {
        // The key, the URL or the model name is wrong: no document's input fixes that.
        throw new DependencyUnavailableError(
          "embedding",
          "EMBEDDING_UNAVAILABLE",
          `embedding service refused the deployment's request (${status}: credentials, URL or model?)${message === "" ? "" : `: ${message}`}`,
          { credentialsRejected: status === 401 || status === 403, context: { status, model } },
        );
      }
      throw new PermanentError(
        "EMBEDDING_REJECTED",
        `embedding service rejected the request (${status})${message === "" ? "" : `: ${message}`}`,
        { status, model },
      );
    });
  }

  return {
    model,
    dimension,
    async embed(texts) {
      if (texts.length === 0) return [];
      const body = JSON.stringify({ model, input: texts });
      for (let attemptNumber = 1; ; attemptNumber += 1) {
        const outcome = await attempt(body, texts.length);
        if (outcome.kind === "done") return outcome.vectors;
        if (attemptNumber > maxRetries) {
          throw new DependencyUnavailableError(
            "embedding",
            "EMBEDDING_UNAVAILABLE",
            `embedding service unavailable after ${attemptNumber} attempt${attemptNumber === 1 ? "" : "s"}: ${outcome.reason}`,
            { context: { attempts: attemptNumber, model } },
            outcome.cause === undefined ? undefined : { cause: outcome.cause },
          );
        }
        const delayMs = outcome.retryAfterMs ?? backoff(attemptNumber);
        options.onRetry?.({ attempt: attemptNumber, delayMs, reason: outcome.reason });
        await sleep(delayMs);
      }
    },
  };
}

type Outcome =
  | { readonly kind: "done"; readonly vectors: Float32Array[] }
  | {
      readonly kind: "retry";
      readonly reason: string;
      readonly retryAfterMs?: number;
      readonly cause?: unknown;
    };

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
function backoff(failedAttempts: number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failedAttempts - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms` (Azure OpenAI), capped; else undefined. */
function retryAfter(headers: Headers): number | undefined {
  const milliseconds = headers.get("retry-after-ms")?.trim();
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds)) {
    return Math.min(RETRY_AFTER_MAX_MS, Math.ceil(Number(milliseconds)));
  }
  const value = headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Math.min(RETRY_AFTER_MAX_MS, Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, date - Date.now()));
}

/** The service's own words: OpenAI/vLLM `error.message` or `message`, TEI/Ollama `error`, FastAPI `detail`. */
function serviceMessage(text: string): string {
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    message = pickMessage(parsed) ?? text;
  } catch {
    // Not JSON: the text itself (an HTML error page from a proxy, a plain sentence).
  }
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > SERVICE_MESSAGE_MAX ? `${flat.slice(0, SERVICE_MESSAGE_MAX - 1)}…` : flat;
}

function pickMessage(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!isRecord(value)) return undefined;
  for (const key of ["error", "message", "detail"]) {
    const field = value[key];
    if (typeof field === "string") return field;
    if (isRecord(field) && typeof field.message === "string") return field.message;
    if (Array.isArray(field) && field.length > 0) return JSON.stringify(field);
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `data[i].embedding` put at `data[i].index`: one vector per input, each of `dimension` numbers. */
function parseVectors(text: string, count: number, dimension: number): Float32Array[] {
  const reject = (why: string): PermanentError =>
    new PermanentError("EMBEDDING_REJECTED", `embedding service returned an unusable response: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw reject("not JSON");
  }
  const data = isRecord(parsed) ? parsed.data : undefined;
  if (!Array.isArray(data)) throw reject("no data array");
  if (data.length !== count) throw reject(`${data.length} embeddings for ${count} inputs`);
  const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(count).fill(undefined);
  data.forEach((item: unknown, position) => {
    if (!isRecord(item)) throw reject(`data[${position}] is not an object`);
    // A missing index is read as the item's position, as some servers omit it for one input.
    const index = item.index ?? position;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) {
      throw reject(`data[${position}] has an invalid index`);
    }
    if (vectors[index] !== undefined) throw reject(`index ${index} appears twice`);
    const embedding = item.embedding;
    if (!Array.isArray(embedding)) throw reject(`data[${position}].embedding is not an array of numbers`);
    if (embedding.length !== dimension) {
      throw reject(`an embedding has ${embedding.length} dimensions, expected ${dimension} (EMBEDDING_DIM)`);
    }
    const vector = new Float32Array(dimension);
    embedding.forEach((component: unknown, at) => {
      if (typeof component !== "number" || !Number.isFinite(component)) {
        throw reject(`data[${position}].embedding[${at}] is not a finite number`);
      }
      vector[at] = component;
    });
    vectors[index] = vector;
  });
  return vectors.map((vector, index) => {
    if (vector === undefined) throw reject(`no embedding for input ${index}`);
    return vector;
  });
}
