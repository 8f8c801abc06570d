/**
 * `/metrics` behind X-API-Key: the decision function on its own, then the real worker with
 * METRICS_REQUIRE_AUTH=1 and plain, hashed and wrong-scope keys.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { parseApiKeys, type ApiKeyEntry } from "../../src/config/api-keys.js";
import { authorize } from "../../src/ops/api-key-auth.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess, waitUntilServing } from "../support/worker-process.js";

const sha256Hex = (value: string): string => createHash("sha256").update(value, "utf8").digest("hex");
const secret = (prefix: string): string => `${prefix}-${randomBytes(16).toString("hex")}`;

describe("authorize(presented, keys, scope)", () => {
  const plain = secret("plain");
  const hashedPlain = secret("hashed");
  const ingest = secret("ingest");
  const keys: ApiKeyEntry[] = parseApiKeys(
    JSON.stringify({
      [plain]: ["metrics"],
      [`sha256:${sha256Hex(hashedPlain)}`]: ["metrics"],
      [ingest]: ["ingest"],
    }),
  );

  test("no key, or an empty one, is missing", () => {
    assert.equal(authorize(undefined, keys, "metrics"), "missing");
    assert.equal(authorize("", keys, "metrics"), "missing");
  });

  test("an unknown key is forbidden", () => {
    assert.equal(authorize(secret("unknown"), keys, "metrics"), "forbidden");
    assert.equal(authorize(`${plain}x`, keys, "metrics"), "forbidden");
    assert.equal(authorize(plain.slice(0, -1), keys, "metrics"), "forbidden");
  });

  test("a plain configured key with the scope is allowed", () => {
    assert.equal(authorize(plain, keys, "metrics"), "allowed");
  });

  test("a sha256:<hex> configured key is matched by the plain key presented, not by its hash", () => {
    assert.equal(authorize(hashedPlain, keys, "metrics"), "allowed");
    assert.equal(authorize(`sha256:${sha256Hex(hashedPlain)}`, keys, "metrics"), "forbidden");
    assert.equal(authorize(sha256Hex(hashedPlain), keys, "metrics"), "forbidden");
  });

  test("an uppercase hex digest in the configuration matches too", () => {
    const upper = parseApiKeys(
      JSON.stringify({ [`sha256:${sha256Hex(hashedPlain).toUpperCase()}`]: ["metrics"] }),
    );
    assert.equal(authorize(hashedPlain, upper, "metrics"), "allowed");
  });

  test("a known key without the scope is forbidden", () => {
    assert.equal(authorize(ingest, keys, "metrics"), "forbidden");
    assert.equal(authorize(ingest, keys, "ingest"), "allowed");
    assert.equal(authorize(plain, keys, "ingest"), "forbidden");
  });

  test("a key with several scopes is allowed for each of them", () => {
    const both = parseApiKeys(JSON.stringify({ [plain]: ["ingest", "metrics"] }));
    assert.equal(authorize(plain, both, "metrics"), "allowed");
    assert.equal(authorize(plain, both, "ingest"), "allowed");
  });

  test("no keys configured: every key is forbidden", () => {
    assert.equal(authorize(plain, [], "metrics"), "forbidden");
    assert.equal(authorize(secret("any"), [], "metrics"), "forbidden");
    assert.equal(authorize(undefined, [], "metrics"), "missing");
  });
});

describe("/metrics of the worker with METRICS_REQUIRE_AUTH=1", () => {
  const plain = secret("plain");
  const hashedPlain = secret("hashed");
  const hashedConfigured = `sha256:${sha256Hex(hashedPlain)}`;
  const ingest = secret("ingest");
  const unknown = secret("unknown");
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let port: number;

  const scrape = async (key?: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: key === undefined ? {} : { "X-API-Key": key },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, text: await response.text() };
  };

  before(async () => {
    env = await createTestEnvironment("metrics-auth", { embeddingDim: 64 });
    worker = startWorkerProcess(
      env.env({
        METRICS_REQUIRE_AUTH: "1",
        API_KEYS_CONFIG: JSON.stringify({
          [plain]: ["metrics"],
          [hashedConfigured]: ["metrics"],
          [ingest]: ["ingest"],
        }),
        WORKER_THREADS: "1",
      }),
    );
    port = await waitUntilServing(worker);
  });

  after(async () => {
    await worker?.stop();
    await env?.close();
  });

  test("no key: 401", async () => {
    const answer = await scrape();
    assert.equal(answer.status, 401);
    assert.doesNotMatch(answer.text, /rag_worker_/);
  });

  test("an unknown key: 403", async () => {
    const answer = await scrape(unknown);
    assert.equal(answer.status, 403);
    assert.doesNotMatch(answer.text, /rag_worker_/);
  });

  test("a key without the metrics scope: 403", async () => {
    assert.equal((await scrape(ingest)).status, 403);
  });

  test("the configured sha256 digest itself is not a key: 403", async () => {
    assert.equal((await scrape(hashedConfigured)).status, 403);
  });

  test("the plain key: 200 with the metrics", async () => {
    const answer = await scrape(plain);
    assert.equal(answer.status, 200);
    assert.match(answer.text, /^# TYPE rag_worker_processed_total counter$/m);
  });

  test("the plain form of the hashed key: 200", async () => {
    const answer = await scrape(hashedPlain);
    assert.equal(answer.status, 200);
    assert.match(answer.text, /^# TYPE rag_worker_duration_seconds histogram$/m);
  });

  test("/healthz and /readyz stay open without a key", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(response.status, 200, path);
      await response.body?.cancel();
    }
  });

  test("no key, configured or presented, ever reaches the worker's output", async () => {
    // Stop first so every line the worker would write is in.
    assert.equal(await worker.stop(), 0);
    const output = worker.logs.map((line) => JSON.stringify(line)).join("\n") + worker.stderr();
    assert.ok(worker.logs.length > 0);
    for (const key of [plain, hashedPlain, hashedConfigured, sha256Hex(hashedPlain), ingest, unknown]) {
      assert.ok(!output.includes(key), `the worker's output contains ${key.slice(0, 12)}…`);
    }
  });
});
