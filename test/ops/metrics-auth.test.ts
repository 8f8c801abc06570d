/**
 * `/metrics` behind a key, with rag-corp's worker rules: the header parsing and decision functions
 * on their own, the ops app in process with an RBAC configuration, then the real worker with
 * METRICS_REQUIRE_AUTH=1 and plain, hashed, wildcard and wrong-scope keys, by X-API-Key and by
 * `Authorization: Bearer`.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "../support/bounded-test.js";
import { opsGet, type OpsAnswer } from "../support/ops-http.js";
import { closeServer, onceWithin } from "../support/waits.js";
import { parseApiKeys, type ApiKeyEntry } from "../../src/config/api-keys.js";
import { parseRbacConfig, rbacKeyHash, type RbacConfig } from "../../src/config/rbac-config.js";
import { createLogger } from "../../src/logging/logger.js";
import { authorize, authorizeMetrics, presentedKey } from "../../src/ops/api-key-auth.js";
import { createOpsApp, METRICS_DENIED_BODY } from "../../src/ops/ops-server.js";
import { WorkerMetrics } from "../../src/ops/worker-metrics.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess, waitUntilServing } from "../support/worker-process.js";

const sha256Hex = (value: string): string => createHash("sha256").update(value, "utf8").digest("hex");
const secret = (prefix: string): string => `${prefix}-${randomBytes(16).toString("hex")}`;

/** rag-corp's denial body as Python's json.dumps writes it (", " and ": ", é as \u00e9). */
const PYTHON_DENIAL = String.raw`{"detail": "Acceso denegado para m\u00e9tricas"}`;

const scrapeAt = (port: number, headers: Record<string, string> = {}): Promise<OpsAnswer> =>
  opsGet(port, "/metrics", headers);

function assertDenied(answer: OpsAnswer, status: 401 | 403): void {
  assert.equal(answer.status, status, answer.text.slice(0, 200));
  assert.equal(answer.text, PYTHON_DENIAL);
  assert.deepEqual(JSON.parse(answer.text), { detail: "Acceso denegado para métricas" });
  assert.match(answer.contentType, /^application\/json\b/);
  assert.doesNotMatch(answer.text, /rag_worker_/);
}

describe("presentedKey(X-API-Key, Authorization)", () => {
  test("reads X-API-Key, stripped", () => {
    assert.equal(presentedKey("k1", undefined), "k1");
    assert.equal(presentedKey("  k1\t", undefined), "k1");
  });

  test("reads the token of Authorization: Bearer, any case of the scheme, stripped", () => {
    assert.equal(presentedKey(undefined, "Bearer k2"), "k2");
    assert.equal(presentedKey(undefined, "bearer   k2 "), "k2");
    assert.equal(presentedKey(undefined, "BEARER\tk2"), "k2");
  });

  test("prefers X-API-Key; a blank X-API-Key falls back to the bearer token", () => {
    assert.equal(presentedKey("k1", "Bearer k2"), "k1");
    assert.equal(presentedKey("   ", "Bearer k2"), "k2");
  });

  test("nothing usable is no key", () => {
    assert.equal(presentedKey(undefined, undefined), undefined);
    assert.equal(presentedKey("", ""), undefined);
    assert.equal(presentedKey(undefined, "Bearer"), undefined);
    assert.equal(presentedKey(undefined, "Bearer    "), undefined);
    assert.equal(presentedKey(undefined, "Basic dXNlcjpwYXNz"), undefined);
    assert.equal(presentedKey(undefined, "Bearerk2"), undefined);
  });
});

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

  test("scope * grants every scope, to plain and hashed keys", () => {
    const wildcard = parseApiKeys(
      JSON.stringify({ [plain]: ["*"], [`sha256:${sha256Hex(hashedPlain)}`]: ["ingest", "*"] }),
    );
    assert.equal(authorize(plain, wildcard, "metrics"), "allowed");
    assert.equal(authorize(plain, wildcard, "ask"), "allowed");
    assert.equal(authorize(hashedPlain, wildcard, "metrics"), "allowed");
    assert.equal(authorize(secret("unknown"), wildcard, "metrics"), "forbidden");
  });

  test("keys and scopes are stripped as rag-corp strips them", () => {
    const padded = parseApiKeys(JSON.stringify({ [` ${plain}\t`]: [" metrics ", "  "] }));
    assert.deepEqual(padded, [{ kind: "plain", value: plain, scopes: ["metrics"] }]);
    assert.equal(authorize(plain, padded, "metrics"), "allowed");
  });

  test("no keys configured: every key is forbidden", () => {
    assert.equal(authorize(plain, [], "metrics"), "forbidden");
    assert.equal(authorize(secret("any"), [], "metrics"), "forbidden");
    assert.equal(authorize(undefined, [], "metrics"), "missing");
  });
});

describe("authorizeMetrics(presented, API_KEYS_CONFIG, RBAC_CONFIG)", () => {
  const metricsKey = secret("metrics");
  const ingestKey = secret("ingest");
  const adminKey = secret("admin");
  const opsKey = secret("ops");
  const viewerKey = secret("viewer");
  const loopKey = secret("loop");
  const readonlyKey = secret("readonly");
  const keys = parseApiKeys(JSON.stringify({ [metricsKey]: ["metrics"], [ingestKey]: ["ingest"] }));
  const rbac = parseRbacConfig(
    JSON.stringify({
      roles: {
        ops: { permissions: ["admin:metrics"] },
        // Two steps from admin:metrics.
        viewer: { permissions: ["documents:read"], inherits_from: "team" },
        team: { permissions: [], inherits_from: "ops" },
        // A cycle without the permission.
        "loop-a": { permissions: ["x"], inherits_from: "loop-b" },
        "loop-b": { permissions: ["y"], inherits_from: "loop-a" },
      },
      key_roles: {
        [rbacKeyHash(adminKey)]: "admin",
        [rbacKeyHash(opsKey)]: "ops",
        [rbacKeyHash(viewerKey)]: "viewer",
        [rbacKeyHash(loopKey)]: "loop-a",
        [rbacKeyHash(readonlyKey)]: "readonly",
        // API_KEYS_CONFIG refuses this key the scope; RBAC grants it.
        [rbacKeyHash(ingestKey)]: "ops",
      },
    }),
  ) as RbacConfig;

  test("no key is missing, whatever is configured", () => {
    assert.equal(authorizeMetrics(undefined, keys, rbac), "missing");
    assert.equal(authorizeMetrics(undefined, [], null), "missing");
  });

  test("nothing configured: forbidden", () => {
    assert.equal(authorizeMetrics(metricsKey, [], null), "forbidden");
  });

  test("API_KEYS_CONFIG alone decides when there is no RBAC_CONFIG", () => {
    assert.equal(authorizeMetrics(metricsKey, keys, null), "allowed");
    assert.equal(authorizeMetrics(ingestKey, keys, null), "forbidden");
    assert.equal(authorizeMetrics(adminKey, keys, null), "forbidden");
  });

  test("RBAC_CONFIG alone: the key's role must grant admin:metrics or *", () => {
    assert.equal(authorizeMetrics(adminKey, [], rbac), "allowed");
    assert.equal(authorizeMetrics(opsKey, [], rbac), "allowed");
    assert.equal(authorizeMetrics(metricsKey, [], rbac), "forbidden");
  });

  test("RBAC is the fallback of a key API_KEYS_CONFIG does not allow", () => {
    assert.equal(authorizeMetrics(ingestKey, keys, rbac), "allowed");
    assert.equal(authorizeMetrics(opsKey, keys, rbac), "allowed");
    assert.equal(authorizeMetrics(metricsKey, keys, rbac), "allowed");
    assert.equal(authorizeMetrics(secret("unknown"), keys, rbac), "forbidden");
  });

  test("permissions are inherited along inherits_from chains", () => {
    assert.equal(authorizeMetrics(viewerKey, [], rbac), "allowed");
  });

  test("an inheritance cycle ends, refused", () => {
    assert.equal(authorizeMetrics(loopKey, [], rbac), "forbidden");
  });

  test("built-in roles user, readonly and ingest-only do not read metrics; admin does", () => {
    assert.equal(authorizeMetrics(readonlyKey, [], rbac), "forbidden");
    for (const role of ["user", "readonly", "ingest-only", "admin"]) {
      const key = secret(role);
      const config = parseRbacConfig(JSON.stringify({ key_roles: { [rbacKeyHash(key)]: role } }));
      assert.equal(authorizeMetrics(key, [], config), role === "admin" ? "allowed" : "forbidden", role);
    }
  });

  test("RBAC_CONFIG may redefine a built-in role", () => {
    const key = secret("user");
    const granted = parseRbacConfig(
      JSON.stringify({
        roles: { user: { permissions: ["admin:metrics"] } },
        key_roles: { [rbacKeyHash(key)]: "user" },
      }),
    );
    assert.equal(authorizeMetrics(key, [], granted), "allowed");
    const demoted = parseRbacConfig(
      JSON.stringify({
        roles: { admin: { permissions: ["documents:read"] } },
        key_roles: { [rbacKeyHash(key)]: "admin" },
      }),
    );
    assert.equal(authorizeMetrics(key, [], demoted), "forbidden");
  });

  test("a role nobody defined grants nothing", () => {
    const key = secret("ghost");
    const config = parseRbacConfig(JSON.stringify({ key_roles: { [rbacKeyHash(key)]: "ghost" } }));
    assert.equal(authorizeMetrics(key, [], config), "forbidden");
  });

  test("the hash is the first 12 hex digits of SHA-256(key); upper-case hex in the config matches", () => {
    assert.equal(rbacKeyHash(opsKey), sha256Hex(opsKey).slice(0, 12));
    const config = parseRbacConfig(
      JSON.stringify({ key_roles: { [rbacKeyHash(opsKey).toUpperCase()]: "admin" } }),
    );
    assert.equal(authorizeMetrics(opsKey, [], config), "allowed");
    // The hash itself is not a key.
    assert.equal(authorizeMetrics(rbacKeyHash(opsKey), [], config), "forbidden");
  });
});

describe("/metrics of the ops app with an RBAC configuration (in process)", () => {
  const rbacKey = secret("rbac");
  const apiKey = secret("api");
  let server: Server;
  let port: number;

  before(async () => {
    const app = createOpsApp({
      host: "127.0.0.1",
      port: 0,
      metrics: new WorkerMetrics(),
      readiness: {
        redis: { ping: () => Promise.resolve("PONG"), status: "ready" },
        db: { query: () => Promise.resolve({ rows: [], rowCount: 0 }) },
        liveThreads: () => 1,
        draining: () => false,
      } as unknown as Parameters<typeof createOpsApp>[0]["readiness"],
      requireAuth: true,
      apiKeys: parseApiKeys(JSON.stringify({ [apiKey]: ["ingest"] })),
      rbac: parseRbacConfig(JSON.stringify({ key_roles: { [rbacKeyHash(rbacKey)]: "admin" } })),
      logger: createLogger("silent"),
    });
    server = app.listen(0, "127.0.0.1");
    await onceWithin(server, "listening", "the ops app to listen");
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await closeServer(server, "the ops app to close");
  });

  test("a key RBAC maps to admin reads /metrics, by X-API-Key and by Bearer", async () => {
    for (const headers of [{ "X-API-Key": rbacKey }, { Authorization: `Bearer ${rbacKey}` }] as Record<
      string,
      string
    >[]) {
      const answer = await scrapeAt(port, headers);
      assert.equal(answer.status, 200);
      assert.match(answer.text, /^# TYPE rag_worker_processed_total counter$/m);
    }
  });

  test("a key API_KEYS_CONFIG knows without the scope, and RBAC does not map: 403", async () => {
    assertDenied(await scrapeAt(port, { "X-API-Key": apiKey }), 403);
  });

  test("no key: 401 with the same body", async () => {
    assertDenied(await scrapeAt(port), 401);
  });

  test("the body constant is Python's json.dumps rendering", () => {
    assert.equal(METRICS_DENIED_BODY, PYTHON_DENIAL);
  });
});

describe("/metrics of the worker with METRICS_REQUIRE_AUTH=1", () => {
  const plain = secret("plain");
  const hashedPlain = secret("hashed");
  const hashedConfigured = `sha256:${sha256Hex(hashedPlain)}`;
  const wildcard = secret("wildcard");
  const ingest = secret("ingest");
  const unknown = secret("unknown");
  const rbacOnly = secret("rbac");
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let port: number;

  const scrape = (headers: Record<string, string> = {}) => scrapeAt(port, headers);

  before(async () => {
    env = await createTestEnvironment("metrics-auth", { embeddingDim: 64 });
    worker = startWorkerProcess(
      env.env({
        METRICS_REQUIRE_AUTH: "1",
        API_KEYS_CONFIG: JSON.stringify({
          [plain]: ["metrics"],
          [hashedConfigured]: ["metrics"],
          [wildcard]: ["*"],
          [ingest]: ["ingest"],
        }),
        RBAC_CONFIG: JSON.stringify({ key_roles: { [rbacKeyHash(rbacOnly)]: "admin" } }),
        WORKER_THREADS: "1",
      }),
    );
    port = await waitUntilServing(worker);
  });

  after(async () => {
    await worker?.stop();
    await env?.close();
  });

  test("no key: 401 with rag-corp's body", async () => {
    assertDenied(await scrape(), 401);
  });

  test("a blank key, or an Authorization that is not Bearer: 401", async () => {
    assertDenied(await scrape({ "X-API-Key": "   " }), 401);
    assertDenied(
      await scrape({ Authorization: `Basic ${Buffer.from(`u:${plain}`).toString("base64")}` }),
      401,
    );
    assertDenied(await scrape({ Authorization: "Bearer " }), 401);
  });

  test("an unknown key: 403 with rag-corp's body, by either header", async () => {
    assertDenied(await scrape({ "X-API-Key": unknown }), 403);
    assertDenied(await scrape({ Authorization: `Bearer ${unknown}` }), 403);
  });

  test("a key without the metrics scope: 403", async () => {
    assertDenied(await scrape({ "X-API-Key": ingest }), 403);
    assertDenied(await scrape({ Authorization: `Bearer ${ingest}` }), 403);
  });

  test("the configured sha256 digest itself is not a key: 403", async () => {
    assertDenied(await scrape({ "X-API-Key": hashedConfigured }), 403);
  });

  test("the plain key: 200 with the metrics, by X-API-Key and by Bearer", async () => {
    for (const headers of [{ "X-API-Key": plain }, { Authorization: `Bearer ${plain}` }] as Record<
      string,
      string
    >[]) {
      const answer = await scrape(headers);
      assert.equal(answer.status, 200);
      assert.match(answer.text, /^# TYPE rag_worker_processed_total counter$/m);
    }
  });

  test("X-API-Key is stripped, and wins over Authorization", async () => {
    assert.equal((await scrape({ "X-API-Key": ` ${plain} ` })).status, 200);
    assert.equal((await scrape({ "X-API-Key": plain, Authorization: `Bearer ${unknown}` })).status, 200);
    assertDenied(await scrape({ "X-API-Key": unknown, Authorization: `Bearer ${plain}` }), 403);
  });

  test("the plain form of the hashed key: 200", async () => {
    const answer = await scrape({ Authorization: `Bearer ${hashedPlain}` });
    assert.equal(answer.status, 200);
    assert.match(answer.text, /^# TYPE rag_worker_duration_seconds histogram$/m);
  });

  test("a key with scope *: 200", async () => {
    assert.equal((await scrape({ "X-API-Key": wildcard })).status, 200);
    assert.equal((await scrape({ Authorization: `Bearer ${wildcard}` })).status, 200);
  });

  test("a key only RBAC_CONFIG maps to admin: 200", async () => {
    assert.equal((await scrape({ Authorization: `Bearer ${rbacOnly}` })).status, 200);
  });

  test("/healthz and /readyz stay open without a key", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      assert.equal((await opsGet(port, path)).status, 200, path);
    }
  });

  test("no key, configured or presented, ever reaches the worker's output", async () => {
    // Stop first so every line the worker would write is in.
    assert.equal(await worker.stop(), 0);
    const output = worker.logs.map((line) => JSON.stringify(line)).join("\n") + worker.stderr();
    assert.ok(worker.logs.length > 0);
    for (const key of [
      plain,
      hashedPlain,
      hashedConfigured,
      sha256Hex(hashedPlain),
      wildcard,
      ingest,
      unknown,
      rbacOnly,
    ]) {
      assert.ok(!output.includes(key), `the worker's output contains ${key.slice(0, 12)}…`);
    }
  });
});
