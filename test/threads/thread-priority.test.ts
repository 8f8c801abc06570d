/**
 * lowerThreadPriority changes the calling thread only, and ragworker's pool threads run at
 * THREAD_NICE below a supervisor left at its own priority. Read back from /proc, Linux's view.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { after, before, describe, test } from "../support/bounded-test.js";
import { onceWithin } from "../support/waits.js";
import { Worker } from "node:worker_threads";
import { createTestEnvironment, type TestEnvironment } from "../support/test-environment.js";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

/** Nice value of every thread of a process, by thread id (field 19 of /proc/PID/task/TID/stat). */
function threadNiceValues(pid: number): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    values.set(Number(tid), Number(fields[16]));
  }
  return values;
}

/**
 * Starts a worker thread running `body` with lowerThreadPriority in scope: the built module, since
 * a worker gets no TypeScript loader. Resolves with the worker and its first message.
 */
async function inWorker<T>(body: string): Promise<{ worker: Worker; reply: T }> {
  const module = new URL("../../dist/threads/thread-priority.js", import.meta.url).href;
  const source = `
    import { readlinkSync } from "node:fs";
    import { parentPort } from "node:worker_threads";
    const { lowerThreadPriority } = await import(${JSON.stringify(module)});
    ${body}`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
  const [reply] = (await onceWithin(worker, "message", "the thread's reply")) as [T];
  return { worker, reply };
}

describe("lowerThreadPriority", () => {
  test("lowers the calling thread by the increment and leaves the rest of the process alone", async () => {
    const before = threadNiceValues(process.pid);
    // The worker stays alive (until told) so its thread can still be read in /proc.
    const { worker, reply } = await inWorker<{ nice: number; tid: number }>(`
      const nice = lowerThreadPriority(3);
      parentPort.postMessage({ nice, tid: Number(readlinkSync("/proc/thread-self").split("/").pop()) });
      parentPort.once("message", () => process.exit(0));`);
    try {
      const after = threadNiceValues(process.pid);
      assert.equal(reply.nice, (before.get(process.pid) ?? 0) + 3);
      assert.equal(after.get(reply.tid), reply.nice);
      for (const [tid, nice] of before)
        if (after.has(tid)) assert.equal(after.get(tid), nice, `thread ${tid}`);
    } finally {
      worker.postMessage("done");
      await onceWithin(worker, "exit", "the thread to exit");
    }
  });

  test("never goes past 19, the lowest priority", async () => {
    const { worker, reply: nice } = await inWorker<number>(`
      lowerThreadPriority(15);
      parentPort.postMessage(lowerThreadPriority(15));`);
    await worker.terminate();
    assert.equal(nice, 19);
  });
});

describe("ragworker's pool threads", () => {
  let env: TestEnvironment;
  let worker: WorkerProcess;

  before(async () => {
    env = await createTestEnvironment("thread-priority", { embeddingDim: 32 });
    worker = startWorkerProcess(env.env({ WORKER_THREADS: "2", THREAD_NICE: "7", LOG_LEVEL: "info" }));
    await worker.waitForLog((line) => line.message === "Worker arrancando");
    const threadsReady = () => worker.logs.filter((line) => line.message === "thread ready").length;
    await worker.waitForLog(() => threadsReady() >= 2);
  });
  after(async () => {
    await worker.stop();
    await env.close();
  });

  test("run THREAD_NICE below the supervisor's main thread", () => {
    const pid = worker.child.pid ?? 0;
    const ready = worker.logs.filter((line) => line.message === "thread ready");
    assert.equal(ready.length, 2);
    for (const line of ready) assert.equal(line["nice"], 7);
    const values = threadNiceValues(pid);
    assert.equal(values.get(pid), 0, "the supervisor's main thread keeps its priority");
    assert.equal([...values.values()].filter((nice) => nice === 7).length, 2);
  });
});
