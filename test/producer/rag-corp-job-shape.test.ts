/**
 * The job rag-corp's API enqueues with BullMQ's Python client (the README's snippet, which cannot
 * run here: no Python package index) is checked from Node: the name and options are read from the
 * README block itself, added with BullMQ's Node client — the same Redis layout and Lua scripts as
 * the Python client — and a real worker must take the job to READY.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "../support/bounded-test.js";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { DOCUMENT_JOB_NAME } from "../../src/producer/document-job.js";
import { DEFAULT_DOCUMENT_JOB_OPTIONS } from "../../src/producer/enqueue-document.js";
import { redisUrl } from "../support/services.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

const README = new URL("../../README.md", import.meta.url);

interface PythonProducer {
  readonly name: string;
  readonly dataKeys: string[];
  readonly options: Record<string, unknown>;
}

/** The README's Python block, between its markers: job name, data keys and the options dict. */
async function readPythonProducer(): Promise<PythonProducer> {
  const text = await readFile(README, "utf8");
  const block = /<!-- rag-corp-producer:start -->([\s\S]*?)<!-- rag-corp-producer:end -->/.exec(text)?.[1];
  assert.ok(block, "README has no rag-corp-producer block");
  const name = /self\._queue\.add\(\s*"([^"]+)"/.exec(block)?.[1];
  assert.ok(name, "no job name in the README's queue.add call");
  const dataKeys = [...block.matchAll(/data(?:\["(\w+)"\]| = \{([^}]*)\})/g)].flatMap((match) =>
    match[1] ? [match[1]] : [...(match[2] ?? "").matchAll(/"(\w+)":/g)].map((key) => key[1] ?? ""),
  );
  // The options dict is written JSON-compatibly (double quotes, no trailing comma) except for the
  // attempts, which come from the setting at run time.
  const literal = /data,\s*(\{[\s\S]*?\n\s{12}\}),\s*\)/.exec(block)?.[1];
  assert.ok(literal, "no options dict after data in the README's queue.add call");
  const options = JSON.parse(literal.replace('"attempts": self._attempts', '"attempts": 3')) as Record<
    string,
    unknown
  >;
  return { name, dataKeys, options };
}

describe("the job rag-corp's API enqueues with BullMQ's Python client", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;
  let producer: PythonProducer;
  let connection: Redis;
  let queue: Queue;

  before(async () => {
    producer = await readPythonProducer();
    env = await createTestEnvironment("python-producer");
    connection = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    queue = new Queue(env.queueName, { connection });
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "1" }));
    await waitUntilServing(worker, 1);
  });

  after(async () => {
    await worker?.stop();
    await queue?.close();
    connection?.disconnect();
    await env?.close();
  });

  it("has the name, data and options of the Node producer", () => {
    assert.equal(producer.name, DOCUMENT_JOB_NAME);
    assert.deepEqual([...new Set(producer.dataKeys)].sort(), ["documentId", "requestId", "workspaceId"]);
    const { attempts, ...rest } = producer.options;
    assert.equal(attempts, 3);
    const { attempts: _nodeAttempts, ...nodeRest } = DEFAULT_DOCUMENT_JOB_OPTIONS;
    assert.deepEqual(rest, nodeRest);
  });

  it("is stored as written and processed to READY by the worker", async () => {
    const { documentId, workspaceId } = await env.insertDocument({
      bytes: "A contract renewal note.\n\nThe renewal starts in March.",
      fileName: "renewal.txt",
      mimeType: "text/plain",
    });
    const data = { documentId, workspaceId, requestId: "req-42" };
    const added = await queue.add(producer.name, data, producer.options);
    assert.ok(added.id);
    const stored = await Job.fromId(queue, added.id);
    assert.ok(stored, "the job is in Redis");
    assert.equal(stored.name, "process-document");
    assert.deepEqual(stored.data, data);
    assert.equal(stored.opts.attempts, 3);
    assert.deepEqual(stored.opts.backoff, { type: "exponential", delay: 1000 });
    const outcome = await env.finished(stored);
    assert.deepEqual(outcome, { state: "completed", value: { status: "READY", chunksCreated: 1 } });
    assert.equal((await env.documentRow(documentId))?.status, "READY");
  });
});
