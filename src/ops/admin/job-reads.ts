/**
 * How the worker page reads jobs from Redis. The page and its poll must answer while Redis is
 * away: the queue's connection waits through reconnects (maxRetriesPerRequest null), so each read
 * is cut off after this long instead.
 */
export const REDIS_READ_TIMEOUT_MS = 2_000;

/** A string field of a job's data, or null: the data is whatever a producer sent. */
export function jobDataString(data: unknown, name: string): string | null {
  if (typeof data !== "object" || data === null) return null;
  const value = (data as Record<string, unknown>)[name];
  return typeof value === "string" ? value : null;
}
