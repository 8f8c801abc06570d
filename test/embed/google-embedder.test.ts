import type { ServerResponse } from "node:http";
import assert from "node:assert/strict";
import { after, describe, it } from "../support/bounded-test.js";
import {
  recordingServers,
  sendJson,
  type RecordedRequest,
  type RecordingHandler,
} from "../support/recording-server.js";

import {
  batchEmbedContentsEndpoint,
  createGoogleEmbedder,
  GOOGLE_EMBEDDER_MESSAGE,
  type GoogleEmbedderOptions,
  type GoogleRetry,
  googleRetryDelayMs,
} from "../../src/embed/google-embedder.js";
import { SharedSemaphore } from "../../src/protocol/shared-semaphore.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import type { RagworkerError } from "../../src/errors/ragworker-error.js";
import { TransientError } from "../../src/errors/transient-error.js";

const API_KEY = "AIza-test-0123456789abcdef";
const DIMENSION = 768;
const PATH = "/v1beta/models/text-embedding-004:batchEmbedContents";

const servers = recordingServers("a Google stand-in");
const startGoogle = servers.start;

after(() => servers.closeAll());

function googleError(response: ServerResponse, code: number, status: string, message: string): void {
  sendJson(response, code, { error: { code, message, status } });
}

interface EmbedRequest {
  readonly model: string;
  readonly content: { readonly parts: readonly { readonly text: string }[] };
  readonly taskType: string;
}

/** The texts of a request, after checking it is exactly what the google-genai SDK sends. */
function textsOf(request: RecordedRequest): string[] {
  assert.equal(request.method, "POST");
  assert.equal(request.path, PATH);
  assert.equal(request.headers["x-goog-api-key"], API_KEY);
  assert.equal(request.headers.authorization, undefined);
  assert.match(request.headers["content-type"] ?? "", /^application\/json/);
  const body = JSON.parse(request.body) as { requests: EmbedRequest[] };
  assert.deepEqual(Object.keys(body), ["requests"]);
  assert.ok(body.requests.length >= 1 && body.requests.length <= 10, `${body.requests.length} texts`);
  return body.requests.map((item) => {
    assert.deepEqual(Object.keys(item).sort(), ["content", "model", "taskType"]);
    assert.equal(item.model, "models/text-embedding-004");
    assert.equal(item.taskType, "RETRIEVAL_DOCUMENT");
    assert.equal(item.content.parts.length, 1);
    const text = item.content.parts[0]?.text;
    assert.equal(typeof text, "string");
    return text ?? "";
  });
}

/** A vector that says which text it is for: "t17" gives [17, 17.25, 17.5, …]. */
function vectorFor(text: string): number[] {
  const number = Number(text.replace(/^t/, ""));
  return Array.from({ length: DIMENSION }, (_, at) => number + (at % 4) * 0.25);
}

const answer: RecordingHandler = (request, _count, response) =>
  sendJson(response, 200, { embeddings: textsOf(request).map((text) => ({ values: vectorFor(text) })) });

interface Harness {
  readonly sleeps: number[];
  readonly retries: GoogleRetry[];
  readonly options: GoogleEmbedderOptions;
}

function harness(baseUrl: string, overrides: Partial<GoogleEmbedderOptions> = {}): Harness {
  const sleeps: number[] = [];
  const retries: GoogleRetry[] = [];
  const options: GoogleEmbedderOptions = {
    apiKey: API_KEY,
    baseUrl,
    timeoutMs: 2000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    onRetry: (retry) => retries.push(retry),
    ...overrides,
  };
  return { sleeps, retries, options };
}

async function rejection(promise: Promise<unknown>): Promise<RagworkerError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PermanentError || error instanceof TransientError, String(error));
    return error;
  }
  assert.fail("expected a rejection");
}

function assertNoKey(error: RagworkerError): void {
  const cause: unknown = error.cause;
  const everything = [error.message, JSON.stringify(error.context), String(cause), error.stack ?? ""].join(
    "\n",
  );
  assert.ok(!everything.includes(API_KEY), "the API key leaked into the error");
}

const texts = (count: number): string[] => Array.from({ length: count }, (_, index) => `t${index}`);

describe("googleRetryDelayMs", () => {
  it("is min(base·2^(n-1) + uniform(0, base), max)", () => {
    assert.equal(
      googleRetryDelayMs(1, 1000, 30_000, () => 0),
      1000,
    );
    assert.equal(
      googleRetryDelayMs(1, 1000, 30_000, () => 0.5),
      1500,
    );
    assert.equal(
      googleRetryDelayMs(2, 1000, 30_000, () => 0.25),
      2250,
    );
    assert.equal(
      googleRetryDelayMs(3, 1000, 30_000, () => 0.999),
      4999,
    );
    assert.equal(
      googleRetryDelayMs(5, 1000, 30_000, () => 0.5),
      16_500,
    );
    assert.equal(
      googleRetryDelayMs(6, 1000, 30_000, () => 0),
      30_000,
    );
    assert.equal(
      googleRetryDelayMs(20, 1000, 30_000, () => 0.9),
      30_000,
    );
    for (let index = 0; index < 100; index += 1) {
      const wait = googleRetryDelayMs(2, 1000, 30_000);
      assert.ok(wait >= 2000 && wait < 3000, `${wait}`);
    }
  });
});

describe("batchEmbedContentsEndpoint", () => {
  it("appends /v1beta/models/{model}:batchEmbedContents to the base, with or without a slash", () => {
    for (const base of [
      "https://generativelanguage.googleapis.com",
      "https://generativelanguage.googleapis.com/",
    ]) {
      assert.equal(
        batchEmbedContentsEndpoint(base, "text-embedding-004").href,
        `https://generativelanguage.googleapis.com${PATH}`,
      );
    }
    assert.equal(
      batchEmbedContentsEndpoint("http://gateway:8080/google/", "text-embedding-004").href,
      `http://gateway:8080/google${PATH}`,
    );
    assert.throws(() => batchEmbedContentsEndpoint("ftp://x/", "m"), /http or https/);
    assert.throws(
      () => batchEmbedContentsEndpoint("http://u:secret@x/", "m"),
      (thrown: unknown) => {
        return thrown instanceof TypeError && !thrown.message.includes("secret");
      },
    );
  });
});

describe("GoogleEmbedder", () => {
  it("sends batches of 10 in order, each shaped as the SDK sends it, and keeps the order of vectors", async () => {
    const google = await startGoogle(answer);
    try {
      const embedder = createGoogleEmbedder(harness(google.url).options);
      assert.equal(embedder.model, "text-embedding-004");
      assert.equal(embedder.dimension, DIMENSION);
      const input = texts(23);
      const vectors = await embedder.embed(input);

      assert.deepEqual(
        google.requests.map((request) => textsOf(request)),
        [input.slice(0, 10), input.slice(10, 20), input.slice(20)],
      );
      assert.equal(vectors.length, 23);
      vectors.forEach((vector, index) => {
        assert.ok(vector instanceof Float32Array);
        assert.equal(vector.length, DIMENSION);
        assert.deepEqual(Array.from(vector.subarray(0, 4)), [index, index + 0.25, index + 0.5, index + 0.75]);
      });
    } finally {
      await google.close();
    }
  });

  it("sends no request for no texts, and one for up to 10", async () => {
    const google = await startGoogle(answer);
    try {
      const embedder = createGoogleEmbedder(harness(google.url).options);
      assert.deepEqual(await embedder.embed([]), []);
      assert.equal(google.requests.length, 0);
      await embedder.embed(texts(10));
      assert.equal(google.requests.length, 1);
    } finally {
      await google.close();
    }
  });

  it("keeps the float64 values the API sent on the float64 path", async () => {
    const precise = 1 / 3;
    const google = await startGoogle((request, _count, response) =>
      sendJson(response, 200, {
        embeddings: textsOf(request).map(() => ({
          values: Array.from({ length: DIMENSION }, () => precise),
        })),
      }),
    );
    try {
      const embedder = createGoogleEmbedder(harness(google.url).options);
      const [float64] = await embedder.embedFloat64(["a"]);
      assert.equal(float64?.[0], precise);
      const [float32] = await embedder.embed(["a"]);
      assert.equal(float32?.[0], Math.fround(precise));
    } finally {
      await google.close();
    }
  });

  it("retries 429 and 500 with rag-corp's waits, then succeeds", async () => {
    const google = await startGoogle((request, count, response) => {
      textsOf(request);
      if (count === 1) googleError(response, 429, "RESOURCE_EXHAUSTED", "Resource has been exhausted");
      else if (count === 2) googleError(response, 500, "INTERNAL", "Internal error encountered.");
      else answer(request, count, response);
    });
    try {
      const { options, sleeps, retries } = harness(google.url);
      const vectors = await createGoogleEmbedder(options).embed(["t0", "t1"]);
      assert.equal(vectors.length, 2);
      assert.equal(google.requests.length, 3);
      // Same body each time.
      assert.equal(new Set(google.requests.map((request) => request.body)).size, 1);
      // base 1 s: 1·2^0 + 0.5, then 1·2^1 + 0.5 (random pinned at 0.5).
      assert.deepEqual(sleeps, [1500, 2500]);
      assert.deepEqual(
        retries.map(({ attempt, status, delayMs }) => ({ attempt, status, delayMs })),
        [
          { attempt: 1, status: 429, delayMs: 1500 },
          { attempt: 2, status: 500, delayMs: 2500 },
        ],
      );
      assert.match(retries[0]?.reason ?? "", /HTTP 429: RESOURCE_EXHAUSTED/);
    } finally {
      await google.close();
    }
  });

  it("retries each batch on its own: a failure in the second does not resend the first", async () => {
    const google = await startGoogle((request, count, response) => {
      if (count === 2) googleError(response, 503, "UNAVAILABLE", "The service is currently unavailable.");
      else answer(request, count, response);
    });
    try {
      const { options, sleeps } = harness(google.url);
      const vectors = await createGoogleEmbedder(options).embed(texts(15));
      assert.equal(vectors.length, 15);
      assert.deepEqual(
        google.requests.map((request) => textsOf(request).length),
        [10, 5, 5],
      );
      assert.deepEqual(sleeps, [1500]);
    } finally {
      await google.close();
    }
  });

  it("fails with rag-corp's message after maxAttempts attempts in all (TransientError)", async () => {
    const google = await startGoogle((request, _count, response) => {
      textsOf(request);
      googleError(response, 503, "UNAVAILABLE", "The service is currently unavailable.");
    });
    try {
      const { options, sleeps } = harness(google.url, { maxAttempts: 3 });
      const error = await rejection(createGoogleEmbedder(options).embed(["t0"]));
      assert.ok(error instanceof TransientError);
      assert.equal(error.code, "EMBEDDING_UNAVAILABLE");
      assert.equal(error.message, GOOGLE_EMBEDDER_MESSAGE);
      assert.equal(error.message, "Failed to call embedding provider");
      assert.equal(error.context.attempts, 3);
      assert.equal(error.context.status, 503);
      assert.match(String(error.context.reason), /UNAVAILABLE/);
      assert.equal(google.requests.length, 3);
      assert.deepEqual(sleeps, [1500, 2500]);
      assertNoKey(error);
    } finally {
      await google.close();
    }
  });

  it("a 400 fails at once with the same message, as the document's fault (PermanentError)", async () => {
    const google = await startGoogle((request, _count, response) => {
      textsOf(request);
      // Echoing the key checks that nothing copied from the answer carries it.
      googleError(
        response,
        400,
        "INVALID_ARGUMENT",
        `Request payload size exceeds the limit (key ${API_KEY})`,
      );
    });
    try {
      const { options, sleeps, retries } = harness(google.url);
      const error = await rejection(createGoogleEmbedder(options).embed(["t0"]));
      assert.ok(error instanceof PermanentError);
      assert.equal(error.code, "EMBEDDING_REJECTED");
      assert.equal(error.message, "Failed to call embedding provider");
      assert.equal(error.context.status, 400);
      assert.equal(error.context.attempts, 1);
      assert.match(
        String(error.context.reason),
        /INVALID_ARGUMENT: Request payload size exceeds the limit \(key \*\*\*\)/,
      );
      assert.equal(google.requests.length, 1);
      assert.deepEqual(sleeps, []);
      assert.deepEqual(retries, []);
      assertNoKey(error);
    } finally {
      await google.close();
    }
  });

  for (const [status, googleStatus] of [
    [401, "UNAUTHENTICATED"],
    [403, "PERMISSION_DENIED"],
    [404, "NOT_FOUND"],
  ] as const) {
    it(`a ${status} fails at once, as the deployment's fault (TransientError)`, async () => {
      const google = await startGoogle((request, _count, response) => {
        textsOf(request);
        googleError(response, status, googleStatus, "API key not valid. Please pass a valid API key.");
      });
      try {
        const { options, sleeps } = harness(google.url);
        const error = await rejection(createGoogleEmbedder(options).embed(["t0"]));
        assert.ok(error instanceof TransientError);
        assert.equal(error.code, "EMBEDDING_UNAVAILABLE");
        assert.equal(error.message, "Failed to call embedding provider");
        assert.equal(error.context.status, status);
        assert.equal(google.requests.length, 1);
        assert.deepEqual(sleeps, []);
      } finally {
        await google.close();
      }
    });
  }

  it("rejects an answer with the wrong number of vectors or of values", async () => {
    const google = await startGoogle((request, count, response) => {
      const sent = textsOf(request);
      if (count === 1) sendJson(response, 200, { embeddings: [{ values: vectorFor("t0") }] });
      else sendJson(response, 200, { embeddings: sent.map(() => ({ values: [1, 2, 3] })) });
    });
    try {
      const embedder = createGoogleEmbedder(harness(google.url).options);
      const tooFew = await rejection(embedder.embed(["t0", "t1"]));
      assert.ok(tooFew instanceof PermanentError);
      assert.equal(tooFew.message, "Failed to call embedding provider");
      assert.match(String(tooFew.context.reason), /1 embeddings for 2 texts/);
      const tooShort = await rejection(embedder.embed(["t0"]));
      assert.ok(tooShort instanceof PermanentError);
      assert.match(String(tooShort.context.reason), /3 values, expected 768/);
      assert.equal(google.requests.length, 2);
    } finally {
      await google.close();
    }
  });

  it("retries a timeout, each attempt bounded by timeoutMs", async () => {
    const google = await startGoogle((request, count, response) => {
      // The first request is left unanswered.
      if (count > 1) answer(request, count, response);
    });
    try {
      const { options, sleeps, retries } = harness(google.url, { timeoutMs: 200 });
      const vectors = await createGoogleEmbedder(options).embed(["t4"]);
      assert.equal(vectors[0]?.[0], 4);
      assert.equal(google.requests.length, 2);
      assert.deepEqual(sleeps, [1500]);
      assert.match(retries[0]?.reason ?? "", /timed out after 200 ms/);
    } finally {
      await google.close();
    }
  });

  it("retries a refused connection, then fails as unavailable", async () => {
    const google = await startGoogle(answer);
    const url = google.url;
    await google.close();
    const { options, sleeps } = harness(url, { maxAttempts: 2 });
    const error = await rejection(createGoogleEmbedder(options).embed(["t0"]));
    assert.ok(error instanceof TransientError);
    assert.equal(error.message, "Failed to call embedding provider");
    assert.equal(error.context.attempts, 2);
    assert.match(String(error.context.reason), /network error/);
    assert.ok(error.cause instanceof Error);
    assert.deepEqual(sleeps, [1500]);
    assertNoKey(error);
  });

  it("holds a permit of the shared semaphore while a request is in flight", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    const seen: number[] = [];
    const google = await startGoogle((request, count, response) => {
      seen.push(semaphore.available);
      if (count === 1) googleError(response, 429, "RESOURCE_EXHAUSTED", "slow down");
      else answer(request, count, response);
    });
    try {
      const { options } = harness(google.url, { semaphore });
      await createGoogleEmbedder(options).embed(["t0"]);
      assert.deepEqual(seen, [0, 0]);
      assert.equal(semaphore.available, 1);
    } finally {
      await google.close();
    }
  });

  it("refuses bad options", () => {
    assert.throws(() => createGoogleEmbedder({ apiKey: " " }), /API key/);
    assert.throws(() => createGoogleEmbedder({ apiKey: API_KEY, maxAttempts: 0 }), /attempts/);
    assert.throws(() => createGoogleEmbedder({ apiKey: API_KEY, timeoutMs: 0 }), /timeout/);
    assert.throws(() => createGoogleEmbedder({ apiKey: API_KEY, dimension: 0 }), /dimension/);
  });
});
