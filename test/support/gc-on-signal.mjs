/**
 * For memory measurements of a real worker process: loaded with `node --expose-gc --import <this
 * file>`, a SIGUSR2 makes the supervisor thread collect its garbage, so a heap reading after it is
 * live memory, not garbage waiting for the next collection. Nothing in src knows about it.
 */
import process from "node:process";
import { isMainThread } from "node:worker_threads";

if (isMainThread && typeof globalThis.gc === "function") {
  const collect = globalThis.gc;
  process.on("SIGUSR2", () => collect());
}
