/**
 * The real worker with real embedding providers: an OpenAI-compatible service (a local HTTP
 * server standing in for it) and the ONNX model committed under test/fixtures/tiny-bert.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "../support/bounded-test.js";
import { startFakeHub } from "../support/fake-hub.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { readyLinesFor, startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

const TINY_BERT = fileURLToPath(new URL("../fixtures/tiny-bert", import.meta.url));

/** A stand-in embedding service: deterministic vectors from the text, and a log of what it got. */
async function startEmbeddingService(dimension: number) {
  const inputs: string[][] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const parsed = JSON.parse(body) as { input: string[]; model: string };
      inputs.push(parsed.input);
      const data = parsed.input.map((text, index) => ({
        index,
        embedding: Array.from({ length: dimension }, (_, i) => ((text.length * (i + 1)) % 97) / 97),
      }));
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ object: "list", data, model: parsed.model }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inputs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("embedding providers through the worker", () => {
  let env: TestEnvironment;
  const workers: WorkerProcess[] = [];
  const start = (overrides: Record<string, string>) => {
    const worker = startWorkerProcess(env.env(overrides));
    workers.push(worker);
    return worker;
  };

  before(async () => {
    env = await createTestEnvironment("providers", { embeddingDim: 32 });
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await env.close();
  });

  test("openai: documents reach READY with the service's vectors; an unchanged one costs no call", async () => {
    const service = await startEmbeddingService(32);
    try {
      const worker = start({
        EMBEDDING_PROVIDER: "openai",
        EMBEDDING_URL: service.url,
        EMBEDDING_MODEL: "test-embed",
      });
      await worker.waitForLog((line) => line.message === "Worker arrancando");
      const probeCalls = service.inputs.length;
      assert.equal(probeCalls, 2, "one probe request per thread at start (WORKER_THREADS=2)");

      const { documentId, workspaceId } = await env.insertDocument({
        bytes: "First paragraph about embeddings.\n\nSecond paragraph about services.",
        fileName: "o.txt",
      });
      const outcome = await env.finished(await env.enqueue({ documentId, workspaceId }));
      assert.deepEqual(outcome, { state: "completed", value: { status: "READY", chunksCreated: 1 } });
      assert.equal(service.inputs.length, probeCalls + 1);
      const row = await env.db.query<{ model: string; dim: number }>(
        "SELECT metadata->>'embedding_model' AS model, (metadata->>'embedding_dim')::int AS dim FROM chunks WHERE document_id = $1",
        [documentId],
      );
      assert.deepEqual(row.rows, [{ model: "test-embed", dim: 32 }]);

      await env.db.query("UPDATE documents SET status = 'PENDING' WHERE id = $1", [documentId]);
      const again = await env.finished(await env.enqueue({ documentId, workspaceId }));
      assert.deepEqual(again, { state: "completed", value: { status: "READY", chunksCreated: 1 } });
      assert.equal(
        service.inputs.length,
        probeCalls + 1,
        "re-processing the unchanged document made no call",
      );
      await worker.stop();
    } finally {
      await service.close();
    }
  });

  test("openai: a service whose vectors differ from EMBEDDING_DIM stops the start, naming both", async () => {
    const service = await startEmbeddingService(8);
    try {
      const worker = start({
        EMBEDDING_PROVIDER: "openai",
        EMBEDDING_URL: service.url,
        EMBEDDING_MODEL: "small",
      });
      assert.equal(await worker.exited(), 1);
      assert.match(worker.stderr(), /8 dimensions, expected 32/);
    } finally {
      await service.close();
    }
  });

  test("onnx: the fixture model embeds documents; identical text gives identical vectors in different threads", async () => {
    const worker = start({
      EMBEDDING_PROVIDER: "onnx",
      EMBEDDING_MODEL: TINY_BERT,
      WORKER_THREADS: "2",
      CHUNK_TOKENS: "200",
    });
    await worker.waitForLog((line) => line.message === "Worker arrancando");
    await worker.waitForLog(() => worker.logs.filter((line) => line.message === "thread ready").length >= 2);
    // CHUNK_TOKENS 200 (250 for a merged last chunk) outgrows this model's input.
    const warning = worker.logs.find((line) =>
      line.message?.startsWith("chunks can be longer than the model's input"),
    );
    assert.deepEqual(
      { chunkSize: warning?.["chunk_size"], maxInputTokens: warning?.["max_input_tokens"] },
      { chunkSize: 200, maxInputTokens: 126 },
    );
    const text = "The same sentence, embedded twice by two threads.\n\nAnd a second paragraph.";
    // Two workspaces, so the second document cannot reuse the first one's stored vector.
    const documents = await Promise.all(
      ["a", "b"].map(async (name) =>
        env.insertDocument({
          bytes: text,
          fileName: `${name}.txt`,
          workspaceId: await env.createWorkspace(name),
        }),
      ),
    );
    const outcomes = await Promise.all(documents.map(async (doc) => env.finished(await env.enqueue(doc))));
    for (const outcome of outcomes) {
      assert.deepEqual(outcome, { state: "completed", value: { status: "READY", chunksCreated: 1 } });
    }
    const rows = await env.db.query<{ embedding: string; dims: number; model: string }>(
      `SELECT embedding::text AS embedding, array_length(embedding::real[], 1) AS dims, metadata->>'embedding_model' AS model
         FROM chunks WHERE document_id = ANY($1::uuid[])`,
      [documents.map((doc) => doc.documentId)],
    );
    assert.equal(rows.rows.length, 2);
    assert.equal(rows.rows[0]?.dims, 32);
    assert.equal(rows.rows[0]?.model, "tiny-bert");
    assert.equal(rows.rows[0]?.embedding, rows.rows[1]?.embedding);
    const threads = new Set(
      (
        await readyLinesFor(
          [worker],
          documents.map((doc) => doc.documentId),
        )
      ).map((line) => line["thread"]),
    );
    assert.equal(threads.size, 2, "each document was embedded by a different thread");
    await worker.stop();
  });

  test("onnx: a model id is downloaded only with EMBEDDING_ALLOW_DOWNLOAD=1", async () => {
    const hub = await startFakeHub(["acme/tiny-bert"]);
    const cacheDir = await mkdtemp(join(tmpdir(), "ragworker-model-cache-"));
    try {
      const common = {
        EMBEDDING_PROVIDER: "onnx",
        EMBEDDING_MODEL: "acme/tiny-bert",
        HF_ENDPOINT: hub.endpoint,
        EMBEDDING_CACHE_DIR: cacheDir,
      };
      const refused = start(common);
      assert.equal(await refused.exited(), 1);
      assert.match(
        refused.stderr(),
        /EMBEDDING_MODEL acme\/tiny-bert is not a directory.*EMBEDDING_ALLOW_DOWNLOAD=1/,
      );
      assert.equal(hub.requests.length, 0, "nothing fetched by default");

      const worker = start({ ...common, EMBEDDING_ALLOW_DOWNLOAD: "1", WORKER_THREADS: "1" });
      await worker.waitForLog((line) => line.message === "Worker arrancando");
      const { documentId, workspaceId } = await env.insertDocument({
        bytes: "Downloaded model at work.",
        fileName: "d.txt",
      });
      const outcome = await env.finished(await env.enqueue({ documentId, workspaceId }));
      assert.deepEqual(outcome, { state: "completed", value: { status: "READY", chunksCreated: 1 } });
      await worker.stop();
    } finally {
      await hub.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  test("onnx: a model whose dimension differs from EMBEDDING_DIM stops the start, naming both", async () => {
    const other = await createTestEnvironment("providers-dim", { embeddingDim: 16 });
    try {
      const worker = startWorkerProcess(
        other.env({ EMBEDDING_PROVIDER: "onnx", EMBEDDING_MODEL: TINY_BERT }),
      );
      assert.equal(await worker.exited(), 1);
      assert.match(worker.stderr(), /EMBEDDING_DIM is 16 but the onnx model tiny-bert gives 32 dimensions/);
    } finally {
      await other.close();
    }
  });
});
