/**
 * `ragworker health` as Docker's HEALTHCHECK runs it: against a running worker's /readyz, against
 * a port nobody listens on, and `--direct` against Redis and PostgreSQL themselves.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "../support/bounded-test.js";
import { freePort } from "../support/private-redis.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess, waitUntilServing } from "../support/worker-process.js";

interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<CliRun> {
  const cli = startWorkerProcess(env, args);
  const code = await cli.exited(timeoutMs);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** The one JSON object the command prints. */
function printed(run: CliRun): Record<string, unknown> {
  const text = run.stdout.trim();
  assert.equal(text.split("\n").length, 1, `expected one line of JSON, got:\n${run.stdout}`);
  const parsed: unknown = JSON.parse(text);
  assert.ok(typeof parsed === "object" && parsed !== null, `not a JSON object: ${text}`);
  return parsed as Record<string, unknown>;
}

describe("ragworker health", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let port: number;

  before(async () => {
    env = await createTestEnvironment("health-command", { embeddingDim: 64 });
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "1" }));
    port = await waitUntilServing(worker);
  });

  after(async () => {
    await worker?.stop();
    await env?.close();
  });

  test("against a running worker: exit 0 and its readiness JSON", async () => {
    const run = await runCli(
      ["health"],
      env.env({ WORKER_HTTP_PORT: String(port), WORKER_HTTP_HOST: "127.0.0.1" }),
    );
    assert.equal(run.code, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const body = printed(run);
    assert.equal(body["ok"], true);
    assert.equal(body["db"], "connected");
    assert.equal(body["redis"], "connected");
  });

  test("a worker bound to 0.0.0.0 is asked on loopback", async () => {
    const run = await runCli(
      ["health"],
      env.env({ WORKER_HTTP_PORT: String(port), WORKER_HTTP_HOST: "0.0.0.0" }),
    );
    assert.equal(run.code, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.equal(printed(run)["ok"], true);
  });

  test("no worker on that port: exit 1, JSON saying so", async () => {
    const nobody = await freePort();
    const run = await runCli(
      ["health"],
      env.env({ WORKER_HTTP_PORT: String(nobody), WORKER_HTTP_HOST: "127.0.0.1" }),
    );
    assert.equal(run.code, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const body = printed(run);
    assert.equal(body["ok"], false);
    assert.match(String(body["error"]), new RegExp(`127\\.0\\.0\\.1:${nobody}`));
  });

  test("--direct with Redis and PostgreSQL answering: exit 0", async () => {
    const run = await runCli(["health", "--direct"], env.env());
    assert.equal(run.code, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const body = printed(run);
    assert.deepEqual(body, { ok: true, db: "connected", redis: "connected" });
  });

  test("--direct with Redis down: exit 1, naming redis as disconnected", async () => {
    const run = await runCli(["health", "--direct"], env.env({ REDIS_URL: "redis://127.0.0.1:1" }));
    assert.equal(run.code, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const body = printed(run);
    assert.equal(body["ok"], false);
    assert.equal(body["redis"], "disconnected");
    assert.equal(body["db"], "connected");
    assert.match(String(body["reason"]), /redis/);
  });

  test("--direct with PostgreSQL down: exit 1 naming db, password kept out of the output", async () => {
    const run = await runCli(
      ["health", "--direct"],
      env.env({ DATABASE_URL: "postgres://ragworker:s3cret-pw@127.0.0.1:1/ragworker" }),
    );
    assert.equal(run.code, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const body = printed(run);
    assert.equal(body["db"], "disconnected");
    assert.equal(body["redis"], "connected");
    assert.doesNotMatch(run.stdout + run.stderr, /s3cret-pw/);
  });
});
