/**
 * The CLI's side of fairness, run as an operator would (dist/cli/main.js): `ragworker fairness
 * weight` sets, validates, prints and clears a workspace's weight in Redis, and `ragworker ingest
 * --bulk` enqueues in the bulk lane (odd priorities) while a real worker makes the file READY.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "../support/bounded-test.js";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, waitUntilServing, type WorkerProcess } from "../support/worker-process.js";

describe("ragworker fairness and ingest --bulk", () => {
  let env: TestEnvironment;
  let dir: string;
  const workers: WorkerProcess[] = [];
  before(async () => {
    env = await createTestEnvironment("fairness-cli", { embeddingDim: 16 });
    dir = await mkdtemp(join(tmpdir(), "ragworker-fairness-cli-"));
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const run = startWorkerProcess(env.env({ LOG_LEVEL: "warn" }), args);
    const code = await run.exited();
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  };

  test("fairness weight sets, prints and clears a weight, and refuses one that is not positive", async () => {
    const set = await cli("fairness", "weight", "ws-1", "2.5");
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /workspace ws-1: weight 2\.5/);
    assert.deepEqual(await env.producer.workspaceWeights(), new Map([["ws-1", 2.5]]));
    for (const bad of ["0", "-1", "many"]) {
      const refused = await cli("fairness", "weight", "ws-1", bad);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /expected a positive number/);
    }
    const shown = await cli("fairness", "weight", "ws-1");
    assert.match(shown.stdout, /weight 2\.5/);
    const cleared = await cli("fairness", "weight", "ws-1", "--clear");
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /weight 1 \(QUEUE_DEFAULT_WEIGHT\)/);
    assert.deepEqual(await env.producer.workspaceWeights(), new Map());
  });

  test("ingest --bulk enqueues in the bulk lane and follows the file to READY", async () => {
    const worker = startWorkerProcess(env.env({ EMBEDDING_PROVIDER: "hash", WORKER_THREADS: "1" }));
    workers.push(worker);
    await waitUntilServing(worker, 1);
    const file = join(dir, "import.txt");
    await writeFile(file, "An imported note about queues and fairness.\n");
    const ingest = await cli("ingest", "--bulk", "--workspace", "imports", file);
    assert.equal(ingest.code, 0, ingest.stderr);
    assert.match(ingest.stdout, /1 READY/);
    const jobs = await env.producer.queue.getJobs(["completed"]);
    assert.equal(jobs.length, 1);
    assert.equal((jobs[0]?.priority ?? 0) % 2, 1, `priority ${jobs[0]?.priority} is not a bulk one`);
  });
});
