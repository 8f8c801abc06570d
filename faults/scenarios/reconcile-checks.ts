/**
 * The reconciler as scenarios 8, 9 and 11 run it: a pass every 2 s, PENDING documents after 5 s
 * without a job (production: every 60 s, after 10 minutes), so recovery takes seconds.
 */
export const FAULT_RECONCILE_ENV = {
  RECONCILE_INTERVAL_MS: "2000",
  RECONCILE_PENDING_AGE_MS: "5000",
} as const;

export const REENQUEUED = "reconciler: document enqueued again";

/** How many "document READY" lines each document got across `logs`: 1 each when none ran twice. */
export function readyLinesPerDocument(
  logs: ReadonlyArray<Record<string, unknown>>,
  documentIds: readonly string[],
): Map<string, number> {
  const counts = new Map(documentIds.map((id) => [id, 0]));
  for (const line of logs) {
    const id = String(line["document_id"]);
    if (line["message"] === "document READY" && counts.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export function eachExactlyOnce(counts: Map<string, number>): boolean {
  return [...counts.values()].every((count) => count === 1);
}
