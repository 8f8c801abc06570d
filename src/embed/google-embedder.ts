/**
 * Google's Gemini embeddings, called the way rag-corp's GoogleEmbeddingService does through the
 * google-genai SDK: model `text-embedding-004`, task type RETRIEVAL_DOCUMENT, batches of 10 texts,
 * one `POST {baseUrl}/v1beta/models/{model}:batchEmbedContents` each, in order, the API key in
 * `x-goog-api-key`.
 *
 * Retries follow rag-corp (tenacity), not the OpenAI embedder: `maxAttempts` attempts in all per
 * batch, waiting `min(base·2^(n-1) + uniform(0, base), maxDelay)` after failed attempt n, and no
 * `Retry-After`. Only 408, 429, 500, 502, 503, 504, timeouts and connection errors are retried.
 *
 * Failures carry rag-corp's message, `Failed to call embedding provider`, because it becomes the
 * document's `error_message`; what went wrong is in the error's context and cause, for logs. The
 * classification is ragworker's: a 400 is the document's fault (PermanentError), while 401, 403,
 * 404 (bad key, no access, unknown model) are the deployment's and would fail every document, so
 * they are DependencyUnavailableError: the job goes back untouched and the embedding circuit opens.
 *
 * The API key goes only into its header; it is masked out of anything copied into an error.
 */
import { setTimeout as delay } from "node:timers/promises";

import type { ErrorContext } from "../errors/ragworker-error.js";
import { PermanentError } from "../errors/permanent-error.js";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.js";
import type { Embedder } from "./embedder.js";
import type { Float64Embedder } from "./float64-embedder.js";
import type { SharedSemaphore } from "../protocol/shared-semaphore.js";
import { describeRequestFailure } from "./describe-request-failure.js";

export const GOOGLE_EMBEDDER_MESSAGE = "Failed to call embedding provider";
/** Texts per request, as rag-corp sends them. */
export const GOOGLE_BATCH_SIZE = 10;
/** The task type of documents (rag-corp's `retrieval_document`, as the REST API spells it). */
export const GOOGLE_DOCUMENT_TASK_TYPE = "RETRIEVAL_DOCUMENT";

export const GOOGLE_EMBEDDER_DEFAULTS = {
  baseUrl: "https://generativelanguage.googleapis.com",
  model: "text-embedding-004",
  dimension: 768,
  timeoutMs: 30_000,
  /** RETRY_MAX_ATTEMPTS */
  maxAttempts: 3,
  /** RETRY_BASE_DELAY_SECONDS */
  baseDelayMs: 1_000,
  /** RETRY_MAX_DELAY_SECONDS */
  maxDelayMs: 30_000,
} as const;

export interface GoogleEmbedderOptions {
  readonly apiKey: string;
  /** Scheme and host (and a path prefix, if a gateway needs one); defaults to Google's. */
  readonly baseUrl?: string;
  readonly model?: string;
  readonly dimension?: number;
  /** Bound on each attempt, from sending the request to reading the whole answer. */
  readonly timeoutMs?: number;
  /** Attempts in all for one batch; 1 means no retry. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Limits requests in flight across the process's threads; held per attempt, not while waiting. */
  readonly semaphore?: SharedSemaphore;
  /** Told before each retry, for logs and metrics; the reason never holds the key. */
  readonly onRetry?: (retry: GoogleRetry) => void;
  /** Waits between attempts; tests record the delay instead of waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for the jitter; tests pin it. */
  readonly random?: () => number;
}

export interface GoogleRetry {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
  readonly status?: number;
}

/** Statuses rag-corp retries (its `retry.py`). */
const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** Refusals about the deployment (key, permission, model name), not about the texts sent. */
const DEPLOYMENT_STATUSES = new Set([401, 403, 404, 407]);
/** Characters of the service's own error message kept in the context. */
const SERVICE_MESSAGE_MAX = 300;

/** `{baseUrl}/v1beta/models/{model}:batchEmbedContents`; a trailing slash on the base is dropped. */
export function batchEmbedContentsEndpoint(baseUrl: string, model: string): URL {
  let endpoint: URL;
  try {
    endpoint = new URL(baseUrl);
  } catch {
    throw new TypeError("Google embedding base URL is not a valid URL");
  }
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new TypeError(`Google embedding base URL must be http or https, got ${endpoint.protocol}`);
  }
  if (endpoint.username !== "" || endpoint.password !== "") {
    throw new TypeError("Google embedding base URL must not contain credentials; use the API key setting");
  }
  const path = endpoint.pathname.replace(/\/+$/, "");
  endpoint.pathname = `${path}/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`;
  endpoint.search = "";
  endpoint.hash = "";
  return endpoint;
}

/** The wait after failed attempt `failedAttempt` (from 1), as tenacity computes it for rag-corp. */
export function googleRetryDelayMs(
  failedAttempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  return Math.min(baseDelayMs * 2 ** (failedAttempt - 1) + random() * baseDelayMs, maxDelayMs);
}

export class GoogleEmbedder implements Embedder, Float64Embedder {
  readonly model: string;
  readonly dimension: number;
  private readonly endpoint: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly semaphore: SharedSemaphore | undefined;
  private readonly onRetry: ((retry: GoogleRetry) => void) | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly apiKey: string;

  constructor(options: GoogleEmbedderOptions) {
    const defaults = GOOGLE_EMBEDDER_DEFAULTS;
    this.model = options.model ?? defaults.model;
    this.dimension = options.dimension ?? defaults.dimension;
    this.timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
    this.maxAttempts = options.maxAttempts ?? defaults.maxAttempts;
    this.baseDelayMs = options.baseDelayMs ?? defaults.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? defaults.maxDelayMs;
    if (options.apiKey.trim() === "") throw new RangeError("Google embedding API key must not be empty");
    if (this.model.trim() === "") throw new RangeError("embedding model must not be empty");
    if (!Number.isInteger(this.dimension) || this.dimension <= 0) {
      throw new RangeError(`embedding dimension must be a positive integer, got ${this.dimension}`);
    }
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new RangeError(`embedding timeout must be a positive number of ms, got ${this.timeoutMs}`);
    }
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new RangeError(`embedding attempts must be a positive integer, got ${this.maxAttempts}`);
    }
    for (const [name, value] of [
      ["base delay", this.baseDelayMs],
      ["max delay", this.maxDelayMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`embedding retry ${name} must be a non-negative number of ms, got ${value}`);
      }
    }
    this.apiKey = options.apiKey;
    this.endpoint = batchEmbedContentsEndpoint(options.baseUrl ?? defaults.baseUrl, this.model).href;
    this.headers = {
      "content-type": "application/json",
      accept: "application/json",
      "x-goog-api-key": options.apiKey,
    };
    this.semaphore = options.semaphore;
    this.onRetry = options.onRetry;
    this.sleep = options.sleep ?? ((ms: number) => delay(ms));
    this.random = options.random ?? Math.random;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors = await this.embedFloat64(texts);
    return vectors.map((vector) => Float32Array.from(vector));
  }

  /** The values as the API sent them (JSON numbers, so float64), for the embedding cache. */
  async embedFloat64(texts: readonly string[]): Promise<Float64Array[]> {
    const vectors: Float64Array[] = [];
    // One batch after another, as rag-corp does: the order of the answers is the order of texts.
    for (let start = 0; start < texts.length; start += GOOGLE_BATCH_SIZE) {
      vectors.push(...(await this.embedBatch(texts.slice(start, start + GOOGLE_BATCH_SIZE))));
    }
    return vectors;
  }

  private async embedBatch(texts: readonly string[]): Promise<Float64Array[]> {
    const modelPath = `models/${this.model}`;
    const body = JSON.stringify({
      requests: texts.map((text) => ({
        model: modelPath,
        content: { parts: [{ text }] },
        taskType: GOOGLE_DOCUMENT_TASK_TYPE,
      })),
    });
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(body, texts.length);
      if (outcome.kind === "done") return outcome.vectors;
      if (outcome.kind === "refused" || attempt >= this.maxAttempts) {
        throw this.failure(outcome, attempt);
      }
      const delayMs = googleRetryDelayMs(attempt, this.baseDelayMs, this.maxDelayMs, this.random);
      this.onRetry?.({
        attempt,
        delayMs,
        reason: outcome.reason,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
      });
      await this.sleep(delayMs);
    }
  }

  private async attempt(body: string, count: number): Promise<Outcome> {
    const send = async (): Promise<Outcome> => {
      const signal = AbortSignal.timeout(this.timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await fetch(this.endpoint, { method: "POST", headers: this.headers, body, signal });
        text = await response.text();
      } catch (error) {
        return {
          kind: "retry",
          reason: this.redact(describeRequestFailure(error, this.timeoutMs)),
          cause: error,
        };
      }
      const status = response.status;
      if (response.ok) return { kind: "done", vectors: this.parseVectors(text, count) };
      const message = this.redact(serviceMessage(text));
      const reason = `HTTP ${status}${message === "" ? "" : `: ${message}`}`;
      return { kind: RETRIED_STATUSES.has(status) ? "retry" : "refused", reason, status };
    };
    // The permit covers the request and reading its answer, not the wait before a retry.
    return this.semaphore === undefined ? send() : this.semaphore.use(send);
  }

  private failure(outcome: Failed, attempts: number): PermanentError | DependencyUnavailableError {
    const context: ErrorContext = {
      provider: "google",
      model: this.model,
      attempts,
      reason: outcome.reason,
      status: outcome.status,
    };
    const options = outcome.cause === undefined ? undefined : { cause: outcome.cause };
    const status = outcome.status;
    const documentsFault =
      outcome.kind === "refused" &&
      status !== undefined &&
      status >= 400 &&
      status < 500 &&
      !DEPLOYMENT_STATUSES.has(status);
    return documentsFault
      ? new PermanentError("EMBEDDING_REJECTED", GOOGLE_EMBEDDER_MESSAGE, context, options)
      : new DependencyUnavailableError(
          "embedding",
          "EMBEDDING_UNAVAILABLE",
          GOOGLE_EMBEDDER_MESSAGE,
          { credentialsRejected: status === 401 || status === 403, context },
          options,
        );
  }

  /** `embeddings[i].values`: one vector per text, in order, each of `dimension` finite numbers. */
  private parseVectors(text: string, count: number): Float64Array[] {
    const reject = (why: string): PermanentError =>
      new PermanentError("EMBEDDING_REJECTED", GOOGLE_EMBEDDER_MESSAGE, {
        provider: "google",
        model: this.model,
        reason: `unusable response: ${why}`,
      });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw reject("not JSON");
    }
    const embeddings = isRecord(parsed) ? parsed.embeddings : undefined;
    if (!Array.isArray(embeddings)) throw reject("no embeddings array");
    if (embeddings.length !== count) throw reject(`${embeddings.length} embeddings for ${count} texts`);
    return embeddings.map((item: unknown, position) => {
      const values = isRecord(item) ? item.values : undefined;
      if (!Array.isArray(values)) throw reject(`embeddings[${position}].values is not an array`);
      if (values.length !== this.dimension) {
        throw reject(`an embedding has ${values.length} values, expected ${this.dimension}`);
      }
      const vector = new Float64Array(this.dimension);
      values.forEach((value: unknown, at) => {
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw reject(`embeddings[${position}].values[${at}] is not a finite number`);
        }
        vector[at] = value;
      });
      return vector;
    });
  }

  private redact(text: string): string {
    return text.split(this.apiKey).join("***");
  }
}

export function createGoogleEmbedder(options: GoogleEmbedderOptions): GoogleEmbedder {
  return new GoogleEmbedder(options);
}

type Failed =
  | { readonly kind: "retry"; readonly reason: string; readonly status?: number; readonly cause?: unknown }
  | { readonly kind: "refused"; readonly reason: string; readonly status: number; readonly cause?: unknown };

type Outcome = { readonly kind: "done"; readonly vectors: Float64Array[] } | Failed;

/** Google's `{"error": {"code", "message", "status"}}`, flattened and cut; else the raw text. */
function serviceMessage(text: string): string {
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    const error = isRecord(parsed) ? parsed.error : undefined;
    if (isRecord(error) && typeof error.message === "string") {
      message = typeof error.status === "string" ? `${error.status}: ${error.message}` : error.message;
    }
  } catch {
    // Not JSON: a proxy's HTML page or plain text, kept as it is.
  }
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > SERVICE_MESSAGE_MAX ? `${flat.slice(0, SERVICE_MESSAGE_MAX - 1)}…` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
