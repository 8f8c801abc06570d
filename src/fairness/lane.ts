/**
 * What a job is for: `interactive`, a user waiting for an upload, or `bulk`, an import nobody
 * watches job by job. Bulk work starts a fixed lag behind interactive work (QUEUE_BULK_AGING_JOBS)
 * and comes due as the virtual clock passes it, so it yields but is never starved.
 */
export const LANES = ["interactive", "bulk"] as const;
export type Lane = (typeof LANES)[number];

/** A single enqueue is someone's upload unless the caller says it is an import. */
export const DEFAULT_LANE: Lane = "interactive";
