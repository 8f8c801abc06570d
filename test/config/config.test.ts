import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { describe, it } from "../support/bounded-test.js";

import { parseApiKeys } from "../../src/config/api-keys.js";
import { loadConfig, type Env } from "../../src/config/config.js";
import { ConfigError } from "../../src/config/config-error.js";
import { maskUrl } from "../../src/config/mask-url.js";

/** Asserts `work` throws a ConfigError naming `variable`, as the one line the process prints. */
function assertConfigError(work: () => unknown, variable: string): ConfigError {
  let caught: unknown;
  try {
    work();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${variable}, got ${String(caught)}`);
  assert.equal(caught.variable, variable);
  assert.equal(caught.name, "ConfigError");
  assert.ok(
    caught.message.startsWith(`${variable}:`),
    `message should start with "${variable}:": ${caught.message}`,
  );
  assert.ok(!caught.message.includes("\n"), `message should be one line: ${caught.message}`);
  return caught;
}

describe("loadConfig defaults (DESIGN.md, Environment)", () => {
  const config = loadConfig({});

  it("uses the documented defaults for an empty environment", () => {
    assert.equal(config.redisUrl, "redis://127.0.0.1:6379");
    assert.equal(config.queueName, "documents");
    assert.equal(config.httpPort, 8001);
    assert.equal(config.httpHost, "0.0.0.0");
    assert.equal(config.threads, availableParallelism());
    assert.equal(config.storageUrl, "file://./data/uploads");
    assert.equal(config.embeddingProvider, "hash");
    assert.equal(config.embeddingDim, 768);
    assert.equal(config.metricsRequireAuth, false);
    assert.deepEqual(config.apiKeys, []);
    assert.equal(config.drainTimeoutMs, 25_000);
    assert.equal(config.chunkUnit, "characters");
    assert.equal(config.chunkSize, 900);
    assert.equal(config.chunkOverlap, 120);
    assert.equal(config.dbStatementTimeoutMs, 30_000);
    assert.deepEqual(config.nodes, { enabled: false, groupSize: 5, textMaxChars: 2000 });
    assert.equal(config.embedding.cacheBackend, "off");
    assert.equal(config.maxChunks, 2000);
    assert.equal(config.maxFileBytes, 50 * 1024 * 1024);
    assert.equal(config.maxExtractedChars, 5_000_000);
    assert.equal(config.documentTimeoutMs, 300_000);
    assert.equal(config.documentTimeoutGraceMs, 5_000);
    assert.equal(config.threadNice, 10);
  });

  it("points DATABASE_URL at a local PostgreSQL by default", () => {
    const url = new URL(config.databaseUrl);
    assert.ok(["postgres:", "postgresql:"].includes(url.protocol), url.protocol);
    assert.ok(["127.0.0.1", "localhost", "[::1]"].includes(url.hostname), url.hostname);
  });

  it("keeps the per-thread pool small and its bounds ordered", () => {
    assert.ok(config.dbPoolMin >= 0 && config.dbPoolMin <= config.dbPoolMax);
    assert.ok(config.dbPoolMax >= 1 && config.dbPoolMax <= 10, `pool max ${config.dbPoolMax}`);
  });

  it("keeps DRAIN_TIMEOUT_MS below Kubernetes' 30 s grace period", () => {
    assert.ok(config.drainTimeoutMs < 30_000);
  });

  it("treats an empty or blank variable as unset", () => {
    const blank = loadConfig({ WORKER_HTTP_PORT: "", WORKER_THREADS: "   ", EMBEDDING_DIM: "" });
    assert.equal(blank.httpPort, 8001);
    assert.equal(blank.threads, availableParallelism());
    assert.equal(blank.embeddingDim, 768);
  });

  it("defaults to process.env when called without an argument", () => {
    const saved = process.env["WORKER_HTTP_PORT"];
    process.env["WORKER_HTTP_PORT"] = "8123";
    try {
      assert.equal(loadConfig().httpPort, 8123);
    } finally {
      if (saved === undefined) delete process.env["WORKER_HTTP_PORT"];
      else process.env["WORKER_HTTP_PORT"] = saved;
    }
  });
});

describe("loadConfig reads valid values", () => {
  it("takes every documented variable, trimmed", () => {
    const config = loadConfig({
      REDIS_URL: " rediss://:pw@redis.internal:6380/2 ",
      DATABASE_URL: "postgresql://app:pw@db.internal:5433/rag",
      DOCUMENT_QUEUE_NAME: "documents-v2",
      WORKER_HTTP_PORT: "9100",
      WORKER_HTTP_HOST: "127.0.0.1",
      WORKER_THREADS: "3",
      DB_POOL_MIN_SIZE: "2",
      DB_POOL_MAX_SIZE: "2",
      STORAGE_URL: "file:///srv/uploads",
      EMBEDDING_PROVIDER: "hash",
      EMBEDDING_DIM: "384",
      METRICS_REQUIRE_AUTH: "1",
      API_KEYS_CONFIG: '{"k1":["metrics"]}',
      DRAIN_TIMEOUT_MS: "0",
    });
    assert.equal(config.redisUrl, "rediss://:pw@redis.internal:6380/2");
    assert.equal(config.databaseUrl, "postgresql://app:pw@db.internal:5433/rag");
    assert.equal(config.queueName, "documents-v2");
    assert.equal(config.httpPort, 9100);
    assert.equal(config.httpHost, "127.0.0.1");
    assert.equal(config.threads, 3);
    assert.equal(config.dbPoolMin, 2);
    assert.equal(config.dbPoolMax, 2);
    assert.equal(config.storageUrl, "file:///srv/uploads");
    assert.equal(config.embeddingDim, 384);
    assert.equal(config.metricsRequireAuth, true);
    assert.deepEqual(config.apiKeys, [{ kind: "plain", value: "k1", scopes: ["metrics"] }]);
    assert.equal(config.drainTimeoutMs, 0);
  });

  for (const [raw, expected] of [
    ["0", false],
    ["1", true],
    ["false", false],
    ["true", true],
  ] as const) {
    it(`METRICS_REQUIRE_AUTH=${raw} is ${expected}`, () => {
      assert.equal(loadConfig({ METRICS_REQUIRE_AUTH: raw }).metricsRequireAuth, expected);
    });
  }

  it("accepts WORKER_HTTP_PORT=0 (any free port) and the edges of the thread range", () => {
    assert.equal(loadConfig({ WORKER_HTTP_PORT: "0" }).httpPort, 0);
    assert.equal(loadConfig({ WORKER_THREADS: "1" }).threads, 1);
  });

  it("takes an s3:// STORAGE_URL and the S3_* variables", () => {
    const config = loadConfig({
      STORAGE_URL: "s3://rag-uploads/tenant-a",
      S3_ENDPOINT: "http://minio:9000",
      S3_REGION: "eu-west-3",
      S3_FORCE_PATH_STYLE: "1",
    });
    assert.equal(config.storageUrl, "s3://rag-uploads/tenant-a");
    assert.deepEqual(config.s3, {
      endpoint: "http://minio:9000",
      region: "eu-west-3",
      forcePathStyle: true,
      credentials: null,
    });
  });

  it("defaults S3 to AWS itself: no endpoint, AWS_REGION or us-east-1, virtual-hosted style", () => {
    assert.deepEqual(loadConfig({}).s3, {
      endpoint: null,
      region: "us-east-1",
      forcePathStyle: false,
      credentials: null,
    });
    assert.equal(loadConfig({ AWS_REGION: "ap-south-1" }).s3.region, "ap-south-1");
    assert.equal(loadConfig({ AWS_REGION: "ap-south-1", S3_REGION: "auto" }).s3.region, "auto");
  });

  it("accepts a CHUNK_TOKENS whose merged last chunk stays below EMBEDDING_MAX_LENGTH", () => {
    const config = loadConfig({ CHUNK_TOKENS: "200", EMBEDDING_MAX_LENGTH: "251" });
    assert.equal(config.chunkUnit, "tokens");
    assert.equal(config.chunkSize, 200);
    assert.equal(config.chunkOverlap, 30);
  });

  it("keeps rag-corp's meaning of CHUNK_SIZE/CHUNK_OVERLAP: characters", () => {
    const config = loadConfig({ CHUNK_SIZE: "100", CHUNK_OVERLAP: "99" });
    assert.equal(config.chunkUnit, "characters");
    assert.equal(config.chunkSize, 100);
    assert.equal(config.chunkOverlap, 99);
    // The token chunker's names win when given: CHUNK_SIZE then means nothing.
    const tokens = loadConfig({ CHUNK_SIZE: "100", CHUNK_TOKENS: "300", CHUNK_OVERLAP_TOKENS: "20" });
    assert.deepEqual([tokens.chunkUnit, tokens.chunkSize, tokens.chunkOverlap], ["tokens", 300, 20]);
  });

  it("picks rag-corp's providers from FAKE_EMBEDDINGS and GOOGLE_API_KEY, EMBEDDING_PROVIDER first", () => {
    assert.equal(loadConfig({ FAKE_EMBEDDINGS: "True" }).embeddingProvider, "fake");
    assert.equal(loadConfig({ FAKE_EMBEDDINGS: "true" }).embedding.cacheBackend, "auto");
    const google = loadConfig({
      GOOGLE_API_KEY: "k",
      RETRY_MAX_ATTEMPTS: "5",
      RETRY_BASE_DELAY_SECONDS: "0.5",
    });
    assert.equal(google.embeddingProvider, "google");
    assert.equal(google.embedding.google.maxAttempts, 5);
    assert.equal(google.embedding.google.baseDelayMs, 500);
    assert.equal(google.embedding.google.maxDelayMs, 30_000);
    assert.equal(loadConfig({ FAKE_EMBEDDINGS: "0", GOOGLE_API_KEY: "k" }).embeddingProvider, "google");
    assert.equal(loadConfig({ FAKE_EMBEDDINGS: "1", EMBEDDING_PROVIDER: "hash" }).embeddingProvider, "hash");
  });

  it("turns rag-corp's S3_BUCKET/S3_ACCESS_KEY/S3_SECRET_KEY/S3_ENDPOINT_URL into s3 storage", () => {
    const config = loadConfig({
      S3_BUCKET: "rag-documents",
      S3_ACCESS_KEY: "minio",
      S3_SECRET_KEY: "minio-secret",
      S3_ENDPOINT_URL: "http://minio:9000",
      S3_REGION: "us-east-1",
    });
    assert.equal(config.storageUrl, "s3://rag-documents");
    assert.deepEqual(config.s3, {
      endpoint: "http://minio:9000",
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "minio", secretAccessKey: "minio-secret" },
    });
    // Without all three, storage stays where STORAGE_URL's default says (rag-corp: storage off).
    assert.equal(loadConfig({ S3_BUCKET: "rag-documents" }).storageUrl, "file://./data/uploads");
  });

  it("reads booleans as pydantic does", () => {
    for (const [text, value] of [
      ["1", true],
      ["TRUE", true],
      ["yes", true],
      ["On", true],
      ["0", false],
      ["False", false],
      ["no", false],
      ["off", false],
    ] as const) {
      assert.equal(loadConfig({ ENABLE_2TIER_RETRIEVAL: text }).nodes.enabled, value, text);
    }
  });
});

describe("loadConfig rejects bad values with a ConfigError naming the variable", () => {
  const cases: ReadonlyArray<readonly [variable: string, env: Env]> = [
    ["WORKER_THREADS", { WORKER_THREADS: "0" }],
    ["WORKER_THREADS", { WORKER_THREADS: "-2" }],
    ["WORKER_THREADS", { WORKER_THREADS: "1.5" }],
    ["WORKER_THREADS", { WORKER_THREADS: "many" }],
    ["WORKER_HTTP_PORT", { WORKER_HTTP_PORT: "abc" }],
    ["WORKER_HTTP_PORT", { WORKER_HTTP_PORT: "65536" }],
    ["WORKER_HTTP_PORT", { WORKER_HTTP_PORT: "-1" }],
    ["REDIS_URL", { REDIS_URL: "http://x" }],
    ["REDIS_URL", { REDIS_URL: "127.0.0.1:6379" }],
    ["DATABASE_URL", { DATABASE_URL: "nope" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://db/rag" }],
    ["DOCUMENT_QUEUE_NAME", { DOCUMENT_QUEUE_NAME: "bad:name" }],
    ["EMBEDDING_PROVIDER", { EMBEDDING_PROVIDER: "magic" }],
    ["EMBEDDING_DIM", { EMBEDDING_DIM: "0" }],
    ["EMBEDDING_DIM", { EMBEDDING_DIM: "768d" }],
    ["METRICS_REQUIRE_AUTH", { METRICS_REQUIRE_AUTH: "maybe" }],
    ["METRICS_REQUIRE_AUTH", { METRICS_REQUIRE_AUTH: "2" }],
    ["DRAIN_TIMEOUT_MS", { DRAIN_TIMEOUT_MS: "-1" }],
    ["DRAIN_TIMEOUT_MS", { DRAIN_TIMEOUT_MS: "25s" }],
    ["DB_POOL_MIN_SIZE", { DB_POOL_MIN_SIZE: "-1" }],
    ["DB_POOL_MAX_SIZE", { DB_POOL_MAX_SIZE: "0" }],
    ["DB_POOL_MAX_SIZE", { DB_POOL_MIN_SIZE: "5", DB_POOL_MAX_SIZE: "2" }],
    ["CHUNK_OVERLAP", { CHUNK_SIZE: "100", CHUNK_OVERLAP: "100" }],
    ["CHUNK_OVERLAP", { CHUNK_SIZE: "100", CHUNK_OVERLAP: "500" }],
    ["CHUNK_OVERLAP", { CHUNK_SIZE: "100", CHUNK_OVERLAP: "200" }],
    ["CHUNK_SIZE", { CHUNK_SIZE: "0" }],
    ["CHUNK_OVERLAP", { CHUNK_OVERLAP: "1000" }],
    ["CHUNK_TOKENS", { CHUNK_TOKENS: "7" }],
    ["CHUNK_OVERLAP_TOKENS", { CHUNK_TOKENS: "100", CHUNK_OVERLAP_TOKENS: "100" }],
    ["CHUNK_TOKENS", { CHUNK_TOKENS: "200", EMBEDDING_MAX_LENGTH: "250" }],
    ["GOOGLE_API_KEY", { EMBEDDING_PROVIDER: "google" }],
    ["EMBEDDING_CACHE_BACKEND", { EMBEDDING_CACHE_BACKEND: "disk" }],
    ["DB_STATEMENT_TIMEOUT_MS", { DB_STATEMENT_TIMEOUT_MS: "-1" }],
    ["MAX_EXTRACTED_CHARS", { MAX_EXTRACTED_CHARS: "0" }],
    ["DOCUMENT_TIMEOUT_MS", { DOCUMENT_TIMEOUT_MS: "5" }],
    ["DOCUMENT_TIMEOUT_GRACE_MS", { DOCUMENT_TIMEOUT_GRACE_MS: "-1" }],
    ["THREAD_NICE", { THREAD_NICE: "20" }],
    ["THREAD_NICE", { THREAD_NICE: "-5" }],
    ["STORAGE_URL", { STORAGE_URL: "ftp://files/uploads" }],
    ["STORAGE_URL", { STORAGE_URL: "s3://Bad_Bucket" }],
    ["STORAGE_URL", { STORAGE_URL: "s3://uploads/../escape" }],
    ["S3_ENDPOINT", { S3_ENDPOINT: "minio:9000" }],
    ["S3_ENDPOINT", { S3_ENDPOINT: "http://key:secret@minio:9000" }],
    ["S3_REGION", { S3_REGION: "EU West" }],
    ["S3_FORCE_PATH_STYLE", { S3_FORCE_PATH_STYLE: "sure" }],
    ["LOG_LEVEL", { LOG_LEVEL: "verbose" }],
    ["API_KEYS_CONFIG", { API_KEYS_CONFIG: "not json" }],
  ];

  for (const [variable, env] of cases) {
    it(`${variable}: ${JSON.stringify(env)}`, () => {
      assertConfigError(() => loadConfig(env), variable);
    });
  }

  it("quotes the offending value so the operator sees what was read", () => {
    const error = assertConfigError(() => loadConfig({ WORKER_THREADS: "zero" }), "WORKER_THREADS");
    assert.match(error.message, /"zero"/);
  });

  it("never echoes a password from a rejected URL", () => {
    for (const [variable, raw] of [
      ["DATABASE_URL", "postgresql+psycopg://app:s3cr3t-pw@db/rag"],
      ["REDIS_URL", "http://:s3cr3t-pw@redis:6379"],
      ["S3_ENDPOINT", "http://key:s3cr3t-pw@minio:9000"],
    ] as const) {
      const error = assertConfigError(() => loadConfig({ [variable]: raw }), variable);
      assert.ok(!error.message.includes("s3cr3t-pw"), error.message);
    }
  });
});

describe("parseApiKeys (API_KEYS_CONFIG)", () => {
  it("returns no keys for an unset or blank value", () => {
    assert.deepEqual(parseApiKeys(undefined), []);
    assert.deepEqual(parseApiKeys(""), []);
    assert.deepEqual(parseApiKeys("  \n"), []);
  });

  it("reads plain keys with their scopes, as the RQ worker did", () => {
    assert.deepEqual(parseApiKeys('{"k1":["metrics"],"k2":["metrics","admin"],"k3":[]}'), [
      { kind: "plain", value: "k1", scopes: ["metrics"] },
      { kind: "plain", value: "k2", scopes: ["metrics", "admin"] },
      { kind: "plain", value: "k3", scopes: [] },
    ]);
  });

  it("reads sha256:<64 hex> keys as lowercased hashes that match the key's SHA-256", () => {
    const secret = "metrics-scraper-key";
    const digest = createHash("sha256").update(secret).digest("hex");
    const [entry] = parseApiKeys(JSON.stringify({ [`sha256:${digest.toUpperCase()}`]: ["metrics"] }));
    assert.deepEqual(entry, { kind: "sha256", value: digest, scopes: ["metrics"] });
  });

  it("flows through loadConfig", () => {
    const digest = "ab".repeat(32);
    assert.deepEqual(loadConfig({ API_KEYS_CONFIG: `{"sha256:${digest}":["metrics"],"p":["x"]}` }).apiKeys, [
      { kind: "sha256", value: digest, scopes: ["metrics"] },
      { kind: "plain", value: "p", scopes: ["x"] },
    ]);
  });

  const secret = "sk-live-7f3a9c0d5e";
  const malformed: ReadonlyArray<readonly [label: string, raw: string]> = [
    ["unparseable JSON", `{"${secret}": ["metrics"]`],
    ["a scope list that is not a list", `{"${secret}": "metrics"}`],
    ["a JSON array", `["${secret}"]`],
    ["JSON null", "null"],
    ["an empty key", `{"": ["metrics"]}`],
    ["a sha256: key that is not 64 hex digits", `{"sha256:${secret}": ["metrics"]}`],
    ["a sha256: key one digit short", `{"sha256:${"a".repeat(63)}": ["metrics"]}`],
  ];
  for (const [label, raw] of malformed) {
    it(`rejects ${label} without echoing the secret`, () => {
      const error = assertConfigError(() => parseApiKeys(raw), "API_KEYS_CONFIG");
      assert.ok(!error.message.includes(secret), error.message);
      assert.ok(!error.message.includes(raw), error.message);
    });
  }

  it("does not echo the secret through loadConfig either", () => {
    const error = assertConfigError(
      () => loadConfig({ API_KEYS_CONFIG: `{"${secret}": [metrics]}` }),
      "API_KEYS_CONFIG",
    );
    assert.ok(!error.message.includes(secret), error.message);
  });
});

describe("maskUrl", () => {
  it("hides the password and keeps user, host, port and database", () => {
    const masked = maskUrl("postgres://ragworker:s3cr3t-pw@db.internal:5433/ragdb?sslmode=require");
    assert.ok(!masked.includes("s3cr3t-pw"), masked);
    const url = new URL(masked);
    assert.equal(url.protocol, "postgres:");
    assert.equal(url.username, "ragworker");
    assert.equal(url.hostname, "db.internal");
    assert.equal(url.port, "5433");
    assert.equal(url.pathname, "/ragdb");
    assert.equal(url.searchParams.get("sslmode"), "require");
    assert.notEqual(url.password, "");
  });

  it("hides a Redis password given without a user", () => {
    const masked = maskUrl("redis://:s3cr3t-pw@redis.internal:6380/2");
    assert.ok(!masked.includes("s3cr3t-pw"), masked);
    assert.match(masked, /redis\.internal:6380\/2$/);
  });

  it("hides a password with characters that need escaping", () => {
    const masked = maskUrl("postgres://u:p%40ss%2Fw0rd@h:5432/d");
    assert.ok(!masked.includes("p%40ss"), masked);
    assert.ok(!masked.includes("p@ss"), masked);
    assert.match(masked, /@h:5432\/d$/);
  });

  it("leaves a URL without a password as it was", () => {
    assert.equal(maskUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    assert.equal(maskUrl("postgres://u@h:5432/d"), "postgres://u@h:5432/d");
  });

  it("does not echo a value it cannot parse", () => {
    const masked = maskUrl("//app:s3cr3t-pw@db host/rag");
    assert.ok(!masked.includes("s3cr3t-pw"), masked);
  });
});

describe("loadConfig extraction limits", () => {
  it("defaults MAX_PAGES and the archive bomb limits as documented", () => {
    const config = loadConfig({});
    assert.equal(config.maxPages, 2000);
    assert.equal(config.maxArchiveUncompressedBytes, 256 * 1024 * 1024);
    assert.equal(config.maxArchiveCompressionRatio, 200);
  });

  it("reads them from the environment and refuses nonsense", () => {
    const config = loadConfig({
      MAX_PAGES: "50",
      MAX_ARCHIVE_UNCOMPRESSED_BYTES: "1048576",
      MAX_ARCHIVE_COMPRESSION_RATIO: "50",
    });
    assert.deepEqual(
      [config.maxPages, config.maxArchiveUncompressedBytes, config.maxArchiveCompressionRatio],
      [50, 1_048_576, 50],
    );
    assert.throws(() => loadConfig({ MAX_PAGES: "0" }), /MAX_PAGES/);
    assert.throws(
      () => loadConfig({ MAX_ARCHIVE_COMPRESSION_RATIO: "many" }),
      /MAX_ARCHIVE_COMPRESSION_RATIO/,
    );
  });
});
