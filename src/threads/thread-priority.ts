import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/**
 * Lowers the calling thread's scheduling priority by `increment` nice steps (Linux: a thread's
 * own id names it to setpriority, and /proc/thread-self gives that id). Returns the new nice
 * value, or null where threads cannot be told apart this way.
 */
export function lowerThreadPriority(increment: number): number | null {
  let threadId: number;
  try {
    threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return null;
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return null;
  const nice = Math.min(19, getPriority(threadId) + increment);
  setPriority(threadId, nice);
  return nice;
}
