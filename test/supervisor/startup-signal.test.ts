/**
 * Signals during start-up: the handlers are installed before any start-up work, so a SIGTERM
 * while the worker waits on a model download (a hub that never answers) stops it cleanly: exit 0,
 * "worker stopped during start-up", no job fetched.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { closeServer, listen, waitUntil } from "../support/waits.js";
import { startWorkerProcess } from "../support/worker-process.js";

describe("a signal during start-up", () => {
  let env: TestEnvironment;
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  // A hub that takes every request and never answers: the download hangs until the worker gives up.
  const hub = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push(request.url ?? "");
    held.push(response);
  });
  let endpoint = "";

  before(async () => {
    env = await createTestEnvironment("startup-signal", { embeddingDim: 64 });
    endpoint = `http://127.0.0.1:${await listen(hub)}`;
  });
  after(async () => {
    for (const response of held) response.destroy();
    hub.closeAllConnections();
    await closeServer(hub, "the stalled model hub to close");
    await env.close();
  });

  test("SIGTERM while a model downloads: the start-up stops, exit 0, nothing started", async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), "ragworker-stalled-cache-"));
    try {
      const worker = startWorkerProcess(
        env.env({
          EMBEDDING_PROVIDER: "onnx",
          EMBEDDING_MODEL: "acme/never-arrives",
          EMBEDDING_ALLOW_DOWNLOAD: "1",
          HF_ENDPOINT: endpoint,
          EMBEDDING_CACHE_DIR: cacheDir,
        }),
      );
      await waitUntil("the worker to ask the hub for the model", () => requests.length > 0);
      assert.equal(await worker.stop("SIGTERM"), 0);
      const messages = worker.logs.map((line) => line.message);
      assert.ok(messages.includes("signal received during start-up; stopping"), messages.join(" | "));
      assert.ok(messages.includes("worker stopped during start-up"), messages.join(" | "));
      assert.ok(!messages.includes("Worker arrancando"), "the worker never started fetching jobs");
      assert.equal(worker.stderr().trim(), "", "no error printed");
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
