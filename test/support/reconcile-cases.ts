/** The reconciler's candidate cases both schemas must agree on, over a schema's own row maker. */

/** Makes a document in `status`, last changed (or created) `ageMs` ago; returns its id. */
export type MakeDocument = (
  status: string | null,
  ageMs: number,
  extra?: { deleted?: boolean },
) => Promise<string>;

/**
 * Documents around the `PENDING` age: only the first is a candidate (too young, no status,
 * soft-deleted, READY and FAILED are not). Returns the candidate's id.
 */
export async function makeStalePendingCases(make: MakeDocument, ageMs: number): Promise<string> {
  const stale = await make("PENDING", ageMs * 2);
  await make("PENDING", ageMs / 2);
  await make(null, ageMs * 2);
  await make("PENDING", ageMs * 2, { deleted: true });
  await make("READY", ageMs * 2);
  await make("FAILED", ageMs * 2);
  return stale;
}
