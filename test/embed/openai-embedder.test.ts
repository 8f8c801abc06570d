import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, describe, it } from "../support/bounded-test.js";
import {
  recordingServers,
  sendJson,
  type RecordedRequest,
  type RecordingHandler,
} from "../support/recording-server.js";
import { within } from "../support/waits.js";
import { Worker } from "node:worker_threads";

import {
  createOpenAiEmbedder,
  embeddingsEndpoint,
  type OpenAiEmbedderOptions,
} from "../../src/embed/openai-embedder.js";
import { SharedSemaphore } from "../../src/protocol/shared-semaphore.js";
import { DependencyUnavailableError } from "../../src/errors/dependency-unavailable-error.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import { TransientError } from "../../src/errors/transient-error.js";

const API_KEY = "sk-test-0123456789abcdef";
const DIMENSION = 4;

const servers = recordingServers("an OpenAI stand-in");
const startService = servers.start;

after(() => servers.closeAll());

/** An OpenAI-style answer for `input`: vector i is [i, i + 0.5, …], listed in `order`. */
function embeddingsFor(input: readonly string[], order?: readonly number[]): unknown {
  const indices = order ?? input.map((_, index) => index);
  return {
    object: "list",
    model: "test-model",
    data: indices.map((index) => ({
      object: "embedding",
      index,
      embedding: Array.from({ length: DIMENSION }, (_, at) => index + at * 0.5),
    })),
  };
}

function inputOf(request: RecordedRequest): string[] {
  return (JSON.parse(request.body) as { input: string[] }).input;
}

const ok: RecordingHandler = (request, _count, response) =>
  sendJson(response, 200, embeddingsFor(inputOf(request)));

interface Harness {
  readonly sleeps: number[];
  readonly semaphore: SharedSemaphore;
  readonly options: OpenAiEmbedderOptions;
}

function harness(url: string, overrides: Partial<OpenAiEmbedderOptions> = {}): Harness {
  const sleeps: number[] = [];
  const semaphore = new SharedSemaphore(SharedSemaphore.create(2));
  const options: OpenAiEmbedderOptions = {
    url,
    apiKey: API_KEY,
    model: "test-model",
    dimension: DIMENSION,
    timeoutMs: 2000,
    maxRetries: 3,
    semaphore,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  };
  return { sleeps, semaphore, options };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("embeddingsEndpoint", () => {
  it("joins /v1/embeddings whether the URL ends in /, /v1 or /v1/", () => {
    for (const url of [
      "http://embed:8080",
      "http://embed:8080/",
      "http://embed:8080/v1",
      "http://embed:8080/v1/",
    ]) {
      assert.equal(embeddingsEndpoint(url).href, "http://embed:8080/v1/embeddings", url);
    }
    assert.equal(
      embeddingsEndpoint("https://gw.example/openai/v1/").href,
      "https://gw.example/openai/v1/embeddings",
    );
    assert.equal(
      embeddingsEndpoint("https://gw.example/openai?api-version=2024").href,
      "https://gw.example/openai/v1/embeddings?api-version=2024",
    );
  });

  it("refuses other schemes and credentials in the URL without echoing them", () => {
    assert.throws(() => embeddingsEndpoint("ftp://embed/"), /http or https/);
    assert.throws(() => embeddingsEndpoint("not a url"), /not a valid URL/);
    assert.throws(
      () => embeddingsEndpoint("http://user:hunter2@embed/"),
      (thrown: unknown) =>
        thrown instanceof TypeError &&
        /credentials/.test(thrown.message) &&
        !thrown.message.includes("hunter2"),
    );
  });
});

describe("createOpenAiEmbedder", () => {
  it("posts { model, input } with the key as Bearer and returns vectors ordered by index", async () => {
    const service = await startService((request, _count, response) =>
      sendJson(response, 200, embeddingsFor(inputOf(request), [2, 0, 1])),
    );
    try {
      const { options } = harness(`${service.url}/v1/`);
      const embedder = createOpenAiEmbedder(options);
      assert.equal(embedder.model, "test-model");
      assert.equal(embedder.dimension, DIMENSION);

      const vectors = await embedder.embed(["zero", "one", "two"]);

      assert.equal(service.requests.length, 1);
      const [request] = service.requests;
      assert.ok(request);
      assert.equal(request.method, "POST");
      assert.equal(request.path, "/v1/embeddings");
      assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
      assert.match(request.headers["content-type"] ?? "", /^application\/json/);
      assert.deepEqual(JSON.parse(request.body), { model: "test-model", input: ["zero", "one", "two"] });
      assert.equal(vectors.length, 3);
      vectors.forEach((vector, index) => {
        assert.ok(vector instanceof Float32Array);
        assert.deepEqual(Array.from(vector), [index, index + 0.5, index + 1, index + 1.5]);
      });
    } finally {
      await service.close();
    }
  });

  it("sends no Authorization header without a key, and no request for no texts", async () => {
    const service = await startService(ok);
    try {
      const embedder = createOpenAiEmbedder({ ...harness(service.url).options, apiKey: undefined });
      assert.deepEqual(await embedder.embed([]), []);
      assert.equal(service.requests.length, 0);
      await embedder.embed(["hello"]);
      assert.equal(service.requests[0]?.headers.authorization, undefined);
      assert.equal(service.requests[0]?.path, "/v1/embeddings");
    } finally {
      await service.close();
    }
  });

  it("429 with Retry-After: 1 waits 1000 ms, then succeeds", async () => {
    const service = await startService((request, count, response) => {
      if (count === 1) {
        sendJson(response, 429, { error: { message: "rate limited" } }, { "retry-after": "1" });
      } else {
        ok(request, count, response);
      }
    });
    try {
      const { options, sleeps } = harness(service.url);
      const vectors = await createOpenAiEmbedder(options).embed(["a", "b"]);
      assert.equal(vectors.length, 2);
      assert.equal(service.requests.length, 2);
      assert.deepEqual(sleeps, [1000]);
    } finally {
      await service.close();
    }
  });

  it("honours Retry-After as an HTTP date, and caps it at 60 s", async () => {
    const service = await startService((request, count, response) => {
      if (count === 1) {
        const date = new Date(Date.now() + 5000).toUTCString();
        sendJson(response, 503, {}, { "retry-after": date });
      } else if (count === 2) {
        sendJson(response, 429, {}, { "retry-after": "3600" });
      } else {
        ok(request, count, response);
      }
    });
    try {
      const { options, sleeps } = harness(service.url);
      await createOpenAiEmbedder(options).embed(["a"]);
      assert.equal(sleeps.length, 2);
      const [fromDate, capped] = sleeps;
      // HTTP dates have whole seconds: 5 s ahead is 4-5 s away.
      assert.ok(fromDate !== undefined && fromDate > 3000 && fromDate <= 5000, `waited ${fromDate} ms`);
      assert.equal(capped, 60_000);
    } finally {
      await service.close();
    }
  });

  it("500 twice then 200 succeeds after 3 requests, backing off between them", async () => {
    const service = await startService((request, count, response) => {
      if (count <= 2) sendJson(response, 500, { error: { message: "overloaded" } });
      else ok(request, count, response);
    });
    try {
      const { options, sleeps } = harness(service.url);
      const retries: number[] = [];
      const embedder = createOpenAiEmbedder({ ...options, onRetry: (retry) => retries.push(retry.attempt) });
      const vectors = await embedder.embed(["a"]);
      assert.equal(vectors.length, 1);
      assert.equal(service.requests.length, 3);
      assert.deepEqual(retries, [1, 2]);
      const [first, second] = sleeps;
      assert.ok(first !== undefined && first >= 250 && first <= 500, `first backoff ${first} ms`);
      assert.ok(second !== undefined && second >= 500 && second <= 1000, `second backoff ${second} ms`);
    } finally {
      await service.close();
    }
  });

  it("500 forever ends in TransientError EMBEDDING_UNAVAILABLE after maxRetries + 1 requests", async () => {
    const service = await startService((_request, _count, response) =>
      sendJson(response, 500, { error: { message: "down" } }),
    );
    try {
      const { options, sleeps } = harness(service.url, { maxRetries: 3 });
      const error = await rejection(createOpenAiEmbedder(options).embed(["a"]));
      assert.ok(error instanceof TransientError, String(error));
      assert.equal(error.code, "EMBEDDING_UNAVAILABLE");
      assert.equal(error.retryable, true);
      assert.match(error.message, /after 4 attempts: HTTP 500: down/);
      assert.equal(service.requests.length, 4);
      assert.equal(sleeps.length, 3);
    } finally {
      await service.close();
    }
  });

  it("400 is a PermanentError EMBEDDING_REJECTED with the service's message, after 1 request", async () => {
    const service = await startService((_request, _count, response) =>
      sendJson(response, 400, { error: { message: "input too long", type: "invalid_request_error" } }),
    );
    try {
      const { options, sleeps } = harness(service.url);
      const error = await rejection(createOpenAiEmbedder(options).embed(["a".repeat(10_000)]));
      assert.ok(error instanceof PermanentError, String(error));
      assert.equal(error.code, "EMBEDDING_REJECTED");
      assert.equal(error.retryable, false);
      assert.equal(error.message, "embedding service rejected the request (400): input too long");
      assert.equal(service.requests.length, 1);
      assert.deepEqual(sleeps, []);
    } finally {
      await service.close();
    }
  });

  it("reads TEI/Ollama-style errors and truncates long ones", async () => {
    const service = await startService((_request, count, response) => {
      if (count === 1) sendJson(response, 413, { error: "batch too large", error_type: "Validation" });
      else sendJson(response, 422, { error: "x".repeat(5000) });
    });
    try {
      const embedder = createOpenAiEmbedder(harness(service.url).options);
      const tei = await rejection(embedder.embed(["a"]));
      assert.equal(tei.message, "embedding service rejected the request (413): batch too large");
      const long = await rejection(embedder.embed(["a"]));
      assert.ok(long.message.length < 400, `${long.message.length} characters`);
    } finally {
      await service.close();
    }
  });

  it("a hang times out per attempt and ends transient", async () => {
    const service = await startService(() => {
      // Never answers.
    });
    try {
      const { options, sleeps } = harness(service.url, { timeoutMs: 200, maxRetries: 1 });
      const error = await rejection(createOpenAiEmbedder(options).embed(["a"]));
      assert.ok(error instanceof TransientError, String(error));
      assert.equal(error.code, "EMBEDDING_UNAVAILABLE");
      assert.match(error.message, /timed out after 200 ms/);
      assert.equal(service.requests.length, 2);
      assert.equal(sleeps.length, 1);
    } finally {
      await service.close();
    }
  });

  it("a refused connection is retried and ends transient", async () => {
    const service = await startService(ok);
    const { url } = service;
    await service.close();
    const { options, sleeps } = harness(url, { maxRetries: 2 });
    const error = await rejection(createOpenAiEmbedder(options).embed(["a"]));
    assert.ok(error instanceof TransientError, String(error));
    assert.match(error.message, /after 3 attempts: network error: ECONNREFUSED/);
    assert.equal(sleeps.length, 2);
  });

  it("403 and 404 are the deployment's (circuit, not the document), without retry; only 401/403 are credentials", async () => {
    const service = await startService((_request, count, response) =>
      sendJson(response, count === 1 ? 403 : 404, {
        error: { message: count === 1 ? "forbidden" : "no such model" },
      }),
    );
    try {
      const embedder = createOpenAiEmbedder(harness(service.url).options);
      const forbidden = await rejection(embedder.embed(["a"]));
      assert.ok(forbidden instanceof DependencyUnavailableError, String(forbidden));
      assert.deepEqual([forbidden.dependency, forbidden.credentialsRejected], ["embedding", true]);
      const missingModel = await rejection(embedder.embed(["a"]));
      assert.ok(missingModel instanceof DependencyUnavailableError, String(missingModel));
      assert.equal(missingModel.credentialsRejected, false);
      assert.equal(service.requests.length, 2, "no retries inside the embedder");
    } finally {
      await service.close();
    }
  });

  it("a vector of the wrong dimension is permanent, without retry", async () => {
    const service = await startService((_request, _count, response) =>
      sendJson(response, 200, { data: [{ index: 0, embedding: [1, 2, 3] }] }),
    );
    try {
      const error = await rejection(createOpenAiEmbedder(harness(service.url).options).embed(["a"]));
      assert.ok(error instanceof PermanentError, String(error));
      assert.equal(error.code, "EMBEDDING_REJECTED");
      assert.match(error.message, /3 dimensions, expected 4/);
      assert.equal(service.requests.length, 1);
    } finally {
      await service.close();
    }
  });

  it("other wrong-shaped answers are permanent", async () => {
    const vector = [0, 0, 0, 0];
    const answers: [unknown, RegExp][] = [
      ["<html>oops</html>", /not JSON/],
      [{ embeddings: [vector] }, /no data array/],
      [{ data: [{ index: 0, embedding: vector }] }, /1 embeddings for 2 inputs/],
      [
        {
          data: [
            { index: 0, embedding: vector },
            { index: 0, embedding: vector },
          ],
        },
        /index 0 appears twice/,
      ],
      [
        {
          data: [
            { index: 0, embedding: vector },
            { index: 5, embedding: vector },
          ],
        },
        /invalid index/,
      ],
      [
        {
          data: [
            { index: 0, embedding: vector },
            { index: 1, embedding: [0, "1", 0, 0] },
          ],
        },
        /not a finite number/,
      ],
    ];
    const service = await startService((_request, count, response) => {
      const answer = answers[count - 1]?.[0];
      if (typeof answer === "string") {
        response.writeHead(200, { "content-type": "text/html" });
        response.end(answer);
      } else {
        sendJson(response, 200, answer);
      }
    });
    try {
      const embedder = createOpenAiEmbedder(harness(service.url).options);
      for (const [, pattern] of answers) {
        const error = await rejection(embedder.embed(["a", "b"]));
        assert.ok(error instanceof PermanentError, String(error));
        assert.equal(error.code, "EMBEDDING_REJECTED");
        assert.match(error.message, pattern);
      }
      assert.equal(service.requests.length, answers.length);
    } finally {
      await service.close();
    }
  });

  it("the API key appears in no error message, even when the service echoes it", async () => {
    const service = await startService((_request, count, response) => {
      if (count === 1)
        sendJson(response, 401, { error: { message: `Incorrect API key provided: ${API_KEY}` } });
      else sendJson(response, 503, { error: `no capacity for ${API_KEY}` });
    });
    try {
      const { options } = harness(service.url, { maxRetries: 1 });
      const reasons: string[] = [];
      const embedder = createOpenAiEmbedder({ ...options, onRetry: (retry) => reasons.push(retry.reason) });
      const rejected = await rejection(embedder.embed(["a"]));
      // A refused key is the deployment's fault: the embedding circuit opens, no document fails.
      assert.ok(rejected instanceof DependencyUnavailableError && rejected.credentialsRejected);
      assert.match(
        rejected.message,
        /\(401: credentials, URL or model\?\): Incorrect API key provided: \*\*\*/,
      );
      const unavailable = await rejection(embedder.embed(["a"]));
      assert.ok(unavailable instanceof TransientError);
      for (const text of [
        rejected.message,
        unavailable.message,
        ...reasons,
        JSON.stringify(rejected.context),
      ]) {
        assert.ok(!text.includes(API_KEY), `key leaked: ${text}`);
        assert.ok(!text.includes("0123456789abcdef"), `key leaked: ${text}`);
      }
      assert.equal(service.requests[0]?.headers.authorization, `Bearer ${API_KEY}`);
    } finally {
      await service.close();
    }
  });

  it("holds a permit while the request is in flight, not while waiting to retry", async () => {
    const semaphore = new SharedSemaphore(SharedSemaphore.create(1));
    const permitsDuringRequest: number[] = [];
    const permitsDuringSleep: number[] = [];
    const service = await startService((request, count, response) => {
      permitsDuringRequest.push(semaphore.available);
      if (count === 1) sendJson(response, 503, {});
      else if (count === 2) ok(request, count, response);
      else sendJson(response, 400, {});
    });
    try {
      const embedder = createOpenAiEmbedder({
        ...harness(service.url).options,
        semaphore,
        sleep: () => {
          permitsDuringSleep.push(semaphore.available);
          return Promise.resolve();
        },
      });
      await embedder.embed(["a"]);
      assert.deepEqual(permitsDuringRequest, [0, 0]);
      assert.deepEqual(permitsDuringSleep, [1]);
      assert.equal(semaphore.available, 1);
      // A permanent failure gives its permit back too.
      await rejection(embedder.embed(["a"]));
      assert.equal(service.requests.length, 3);
      assert.equal(semaphore.available, 1);
    } finally {
      await service.close();
    }
  });

  it("refuses bad options", () => {
    const { options } = harness("http://127.0.0.1:9");
    assert.throws(() => createOpenAiEmbedder({ ...options, dimension: 0 }), RangeError);
    assert.throws(() => createOpenAiEmbedder({ ...options, timeoutMs: 0 }), RangeError);
    assert.throws(() => createOpenAiEmbedder({ ...options, maxRetries: -1 }), RangeError);
    assert.throws(() => createOpenAiEmbedder({ ...options, model: " " }), RangeError);
    assert.throws(() => createOpenAiEmbedder({ ...options, url: "file:///tmp" }), TypeError);
  });

  it("limits concurrent requests across worker threads with one shared semaphore", async () => {
    const threadModule = new URL("./openai-embedder-thread.mjs", import.meta.url);
    for (const compiled of ["embed/openai-embedder.js", "protocol/shared-semaphore.js"]) {
      const path = new URL(`../../dist/${compiled}`, import.meta.url);
      assert.ok(existsSync(path), `dist/${compiled} is missing: run \`npm run build\` first`);
    }
    let inFlight = 0;
    let maxInFlight = 0;
    const service = await startService((request, count, response) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        // Counted out before the answer leaves, so the client cannot start another one first.
        inFlight -= 1;
        ok(request, count, response);
      }, 50);
    });
    const threads = 4;
    const callsPerThread = 3;
    const semaphoreBuffer = SharedSemaphore.create(2);
    const workers = Array.from(
      { length: threads },
      (_, thread) =>
        new Worker(threadModule, {
          workerData: {
            url: service.url,
            semaphoreBuffer,
            calls: callsPerThread,
            dimension: DIMENSION,
            thread,
          },
        }),
    );
    try {
      const results = await within(
        Promise.all(
          workers.map(
            (worker) =>
              new Promise<unknown>((resolve, reject) => {
                worker.once("message", resolve);
                worker.once("error", reject);
                worker.once("exit", (code) =>
                  reject(new Error(`thread exited with ${code} before answering`)),
                );
              }),
          ),
        ),
        "every embedder thread to answer",
      );
      assert.equal(results.length, threads);
      for (const result of results) {
        assert.deepEqual((result as { vectors: number[] }).vectors, Array(callsPerThread).fill(1));
      }
      assert.equal(service.requests.length, threads * callsPerThread);
      assert.equal(maxInFlight, 2, `the service saw ${maxInFlight} requests at once`);
      assert.equal(new SharedSemaphore(semaphoreBuffer).available, 2);
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
      await service.close();
    }
  });
});
