/**
 * A Piscina thread module for testing the supervisor's job processor against a real pool, with no
 * pipeline behind it: each task is answered as the task's `requestId` scripts it (the processor
 * copies it from the job's data). Plain JavaScript so that Piscina's threads load it as it is (and the
 * protocol from dist/).
 *
 *   done | failed-permanently | failed-retryable | unexpected-error | handed-back
 *                the TaskResult of that kind (src/protocol/thread-protocol.ts)
 *   throw        the task's promise rejects (the thread lives on)
 *   exit         process.exit(70): the thread dies mid-task
 *   block        never answers; the thread ends only when the task is aborted (Piscina terminates
 *                it). Says "time-limit-flag-raised" once it sees the task's time-limit flag raised.
 *
 * Every task first says "started" (with its job id) through `parentPort`, which the pool emits
 * as its "message" event.
 */
import process from "node:process";
import { setInterval } from "node:timers";
import { parentPort, threadId } from "node:worker_threads";
// The compiled protocol (npm test builds dist/ first): the same empty figures the pipeline uses.
import { emptyTaskStats } from "../../dist/protocol/thread-protocol.js";

const stats = emptyTaskStats(threadId);

const CODES = {
  "failed-permanently": "CORRUPT_FILE",
  "failed-retryable": "DATABASE_UNAVAILABLE",
  "unexpected-error": "UNEXPECTED_ERROR",
};

function raised(flag) {
  return Atomics.load(new Int32Array(flag), 0) === 1;
}

export default async function run(task) {
  const script = String(task.requestId);
  parentPort?.postMessage({ type: "started", jobId: task.jobId, threadId });
  switch (script) {
    case "done":
      return { kind: "done", status: "READY", chunksCreated: 3, stats };
    case "failed-permanently":
    case "failed-retryable":
    case "unexpected-error":
      return { kind: script, code: CODES[script], message: `scripted ${script}`, stats };
    case "handed-back":
      return { kind: "handed-back", stats };
    case "throw":
      throw new Error("scripted throw");
    case "exit":
      process.exit(70);
      break;
    case "block":
      return new Promise(() => {
        let said = false;
        setInterval(() => {
          if (!said && raised(task.timeLimitFlag)) {
            said = true;
            parentPort?.postMessage({ type: "time-limit-flag-raised", jobId: task.jobId, threadId });
          }
        }, 5);
      });
    default:
      throw new Error(`scripted-thread.mjs: no script named ${script}`);
  }
}
