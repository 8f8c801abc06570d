/**
 * Piscina has no per-thread teardown hook, so the supervisor and its threads talk over a named
 * BroadcastChannel: "close" asks every thread to close its pools, each answers "closed".
 */
export const THREAD_CONTROL_CHANNEL = "ragworker:thread-control";

export type ThreadControlMessage =
  { readonly type: "close" } | { readonly type: "closed"; readonly threadId: number };

export function isThreadControlMessage(value: unknown): value is ThreadControlMessage {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "close" || type === "closed";
}
