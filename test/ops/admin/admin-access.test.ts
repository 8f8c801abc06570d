/**
 * Who gets into /admin and what it answers, on the ops app in process with a real BullMQ queue:
 * off until a key has the admin scope, basic auth (and the /metrics headers) with such a key,
 * the same-origin guard on Retry, failure reasons shown as text, the JSON status, and Bull Board's
 * API listing the queue. The browser test (operator-web-view.test.ts) runs the real worker.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UnrecoverableError, Worker, type Job, type Queue } from "bullmq";
import { after, before, describe, test } from "../../support/bounded-test.js";
import { closeServer, onceWithin, waitUntil } from "../../support/waits.js";
import { createTestEnvironment, type TestEnvironment } from "../../support/test-environment.js";
import { createRedis } from "../../../src/config/redis-connection.js";
import { parseApiKeys } from "../../../src/config/api-keys.js";
import { createLogger } from "../../../src/logging/logger.js";
import { basicAuthKey } from "../../../src/ops/admin/admin-auth.js";
import { ADMIN_OFF_MESSAGE } from "../../../src/ops/admin/admin-router.js";
import type { AdminSources } from "../../../src/ops/admin/admin-sources.js";
import { retryPath } from "../../../src/ops/admin/worker-panel.js";
import { createOpsApp } from "../../../src/ops/ops-server.js";
import { WorkerMetrics } from "../../../src/ops/worker-metrics.js";

const secret = (prefix: string): string => `${prefix}-${randomBytes(12).toString("hex")}`;
const basic = (key: string, user = "operator"): string =>
  `Basic ${Buffer.from(`${user}:${key}`, "utf8").toString("base64")}`;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

async function request(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: init.method ?? "GET",
    headers: init.headers ?? {},
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The ops app on a free port with these keys, over `queue`; its threads view is fixed. */
async function startApp(
  apiKeys: string,
  sources: AdminSources | null,
): Promise<{ server: Server; port: number }> {
  const app = createOpsApp({
    host: "127.0.0.1",
    port: 0,
    metrics: new WorkerMetrics(),
    readiness: {} as Parameters<typeof createOpsApp>[0]["readiness"],
    requireAuth: true,
    apiKeys: parseApiKeys(apiKeys),
    logger: createLogger("silent"),
    admin: sources,
  });
  const server = app.listen(0, "127.0.0.1");
  await onceWithin(server, "listening", "the ops app to listen");
  return { server, port: (server.address() as AddressInfo).port };
}

function sourcesOver(queue: Queue): AdminSources {
  return {
    queue,
    threads: () => ({ threadIds: [7, 8], size: 2, running: [], waitingForThread: 0 }),
    reconciler: () => ({ state: "off", intervalMs: 0, lastPass: null }),
  };
}

describe("basicAuthKey(Authorization)", () => {
  test("takes the password, or the user name when the password is empty", () => {
    assert.equal(basicAuthKey(basic("k1")), "k1");
    assert.equal(basicAuthKey(`Basic ${Buffer.from("k2:").toString("base64")}`), "k2");
    assert.equal(basicAuthKey("Bearer k3"), undefined);
    assert.equal(basicAuthKey(`Basic ${Buffer.from("no-colon").toString("base64")}`), undefined);
    assert.equal(basicAuthKey(undefined), undefined);
  });
});

describe("/admin on the ops app", () => {
  const adminKey = secret("admin");
  const metricsKey = secret("metrics");
  const wildcardKey = secret("wildcard");
  const hostileReason = 'STORAGE_NOT_FOUND: file not found: <img src=x onerror="alert(1)">';
  let environment: TestEnvironment;
  let failedJob: Job;
  let on: { server: Server; port: number };
  const servers: Server[] = [];

  before(async () => {
    environment = await createTestEnvironment("admin_access");
    const queue = environment.producer.queue;
    // A real failure, by a real BullMQ worker: the reason carries markup the page must not run.
    const connection = createRedis(environment.env()["REDIS_URL"] ?? "", { maxRetriesPerRequest: null });
    const worker = new Worker(
      environment.queueName,
      () => {
        throw new UnrecoverableError(hostileReason);
      },
      { connection },
    );
    failedJob = await environment.enqueue(
      { documentId: "d0c00000-0000-4000-8000-000000000001", workspaceId: "w" },
      1,
    );
    assert.equal((await environment.finished(failedJob)).state, "failed");
    await worker.close();
    connection.disconnect();
    on = await startApp(
      JSON.stringify({ [adminKey]: ["admin"], [metricsKey]: ["metrics"], [wildcardKey]: ["*"] }),
      sourcesOver(queue),
    );
    servers.push(on.server);
  });

  after(async () => {
    for (const server of servers) await closeServer(server, "the ops app to close");
    await environment.close();
  });

  test("is off, saying how to turn it on, while no key has the admin scope (a * key does not turn it on)", async () => {
    const off = await startApp(
      JSON.stringify({ [wildcardKey]: ["*"], [metricsKey]: ["metrics"] }),
      sourcesOver(environment.producer.queue),
    );
    servers.push(off.server);
    for (const path of ["/admin", "/admin/worker", "/admin/queues/"]) {
      const answer = await request(off.port, path, { headers: { Authorization: basic(wildcardKey) } });
      assert.equal(answer.status, 404, path);
      assert.equal(answer.text, ADMIN_OFF_MESSAGE);
    }
  });

  test("without a key: 401 with a basic-auth challenge, so a browser asks for one", async () => {
    const answer = await request(on.port, "/admin/worker");
    assert.equal(answer.status, 401);
    assert.match(answer.headers.get("www-authenticate") ?? "", /^Basic realm="ragworker admin"/);
    assert.doesNotMatch(answer.text, /Threads/);
  });

  test("a wrong password is challenged again (401); a key without the admin scope as a header: 403", async () => {
    const wrong = await request(on.port, "/admin/worker", { headers: { Authorization: basic("not-a-key") } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get("www-authenticate") ?? "", /^Basic /);
    const metricsOnly = await request(on.port, "/admin/worker", { headers: { "X-API-Key": metricsKey } });
    assert.equal(metricsOnly.status, 403);
    const metricsAsPassword = await request(on.port, "/admin/worker", {
      headers: { Authorization: basic(metricsKey) },
    });
    assert.equal(metricsAsPassword.status, 401);
  });

  test("the admin key opens the page by basic auth, X-API-Key or Bearer; a * key too once it is on", async () => {
    const ways: Array<Record<string, string>> = [
      { Authorization: basic(adminKey) },
      { "X-API-Key": adminKey },
      { Authorization: `Bearer ${adminKey}` },
      { Authorization: basic(wildcardKey) },
    ];
    for (const headers of ways) {
      const answer = await request(on.port, "/admin/worker", { headers });
      assert.equal(answer.status, 200, JSON.stringify(Object.keys(headers)));
      assert.match(answer.text, /<h2>Threads<\/h2>/);
      assert.equal(answer.headers.get("cache-control"), "no-store");
      assert.match(answer.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    }
  });

  test("shows a failure's reason as text: its markup is escaped, never run", async () => {
    const page = await request(on.port, "/admin/worker", { headers: { Authorization: basic(adminKey) } });
    assert.match(
      page.text,
      /STORAGE_NOT_FOUND: file not found: &lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/,
    );
    assert.doesNotMatch(page.text, /<img src=x/);
  });

  test("the JSON status lists the failed job with its code, the threads and the reconciler", async () => {
    const answer = await request(on.port, "/admin/worker/status", { headers: { "X-API-Key": adminKey } });
    assert.equal(answer.status, 200);
    const status = JSON.parse(answer.text) as {
      failures: Array<{ jobId: string; code: string; reason: string; documentId: string }>;
      threads: { size: number; threadIds: number[] };
      reconciler: { state: string };
    };
    const failure = status.failures.find((entry) => entry.jobId === failedJob.id);
    assert.ok(failure, answer.text.slice(0, 500));
    assert.equal(failure.code, "STORAGE_NOT_FOUND");
    assert.equal(failure.reason, hostileReason);
    assert.equal(failure.documentId, "d0c00000-0000-4000-8000-000000000001");
    assert.deepEqual(status.threads.threadIds, [7, 8]);
    assert.equal(status.reconciler.state, "off");
  });

  test("Retry refuses a request a page of another site could forge, and takes a same-origin one", async () => {
    const path = retryPath(failedJob.id ?? "");
    const auth = { Authorization: basic(adminKey) };
    const forged = [
      { ...auth },
      { ...auth, "Sec-Fetch-Site": "cross-site", Origin: `http://127.0.0.1:${on.port}` },
      { ...auth, Origin: "http://evil.example" },
    ];
    for (const headers of forged) {
      const answer = await request(on.port, path, { method: "POST", headers });
      assert.equal(answer.status, 403, JSON.stringify(headers));
      assert.match(answer.text, /cross-site/);
    }
    assert.equal(await environment.producer.queue.getJobState(failedJob.id ?? ""), "failed");
    const retried = await request(on.port, path, {
      method: "POST",
      headers: { ...auth, Origin: `http://127.0.0.1:${on.port}` },
    });
    assert.equal(retried.status, 303);
    assert.match(retried.headers.get("location") ?? "", /^\/admin\/worker\?job=.*&outcome=retried$/);
    // Back in the queue: BullMQ's wait list, or its prioritized set for a job enqueued fairly.
    await waitUntil(`job ${failedJob.id} to be waiting again after the retry`, async () =>
      ["waiting", "prioritized"].includes(await environment.producer.queue.getJobState(failedJob.id ?? "")),
    );
    const again = await request(on.port, path, {
      method: "POST",
      headers: { ...auth, "Sec-Fetch-Site": "same-origin" },
    });
    assert.match(again.headers.get("location") ?? "", /outcome=not-failed$/);
  });

  test("Bull Board's actions pass the same-origin guard from its page, and not from elsewhere", async () => {
    const auth = { Authorization: basic(adminKey) };
    const queue = environment.producer.queue;
    const pause = `/admin/queues/api/queues/${encodeURIComponent(environment.queueName)}/pause`;
    const forged = await request(on.port, pause, {
      method: "PUT",
      headers: { ...auth, "Sec-Fetch-Site": "same-site" },
    });
    assert.equal(forged.status, 403);
    assert.equal(await queue.isPaused(), false);
    const paused = await request(on.port, pause, {
      method: "PUT",
      headers: { ...auth, "Sec-Fetch-Site": "same-origin" },
    });
    assert.ok(paused.status < 300, `${paused.status} ${paused.text}`);
    assert.equal(await queue.isPaused(), true);
    await queue.resume();
  });

  test("Bull Board's API, behind the same key, lists the queue", async () => {
    assert.equal((await request(on.port, "/admin/queues/api/queues")).status, 401);
    const answer = await request(on.port, "/admin/queues/api/queues", {
      headers: { Authorization: basic(adminKey) },
    });
    assert.equal(answer.status, 200);
    const body = JSON.parse(answer.text) as { queues: Array<{ name: string }> };
    assert.deepEqual(
      body.queues.map((queue) => queue.name),
      [environment.queueName],
    );
  });
});
