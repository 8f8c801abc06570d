/**
 * Fault injection for the thread-crash scenario, loaded into a real worker process with
 * `node --import <this file>` (worker threads inherit it). Nothing in src knows about it.
 *
 * In a worker thread, it wraps `crypto.createHash`, which the pipeline calls mid-document. When
 * the file `$RAGWORKER_CRASH_DIR/crash` exists, the first thread to rename it away crashes in the
 * way the file names: `throw` (an uncaught error outside the task's promise) or `exit` (a hard
 * `process.exit`, which in a thread ends only the thread). The rename is atomic, so exactly one
 * thread crashes per trigger file, and always while it is processing a document.
 */
import crypto from "node:crypto";
import { readFileSync, renameSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { isMainThread, threadId } from "node:worker_threads";
import process from "node:process";
import { setImmediate } from "node:timers";

const directory = process.env["RAGWORKER_CRASH_DIR"];

if (!isMainThread && directory) {
  const trigger = join(directory, "crash");
  const original = crypto.createHash;
  crypto.createHash = function createHashWithFault(...args) {
    const taken = join(directory, `crash.taken-by-thread-${threadId}`);
    let mode = null;
    try {
      renameSync(trigger, taken);
      mode = readFileSync(taken, "utf8").trim();
    } catch {
      // No trigger (or another thread took it): business as usual.
    }
    if (mode === "exit") process.exit(70);
    if (mode === "throw") {
      setImmediate(() => {
        throw new Error(`injected uncaught error in thread ${threadId}`);
      });
    }
    return original.apply(this, args);
  };
  syncBuiltinESMExports();
}
