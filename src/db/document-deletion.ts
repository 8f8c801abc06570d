import type { Queryable } from "./queryable.js";

/**
 * True when the document exists but is soft-deleted (`deleted_at` set): the API deleted it, which
 * for a job is a cancel. Both schemas (ragworker's and rag-corp's) have the column.
 */
export async function isDocumentDeleted(db: Queryable, id: string, workspaceId: string): Promise<boolean> {
  const result = await db.query<{ deleted: boolean }>(
    "SELECT deleted_at IS NOT NULL AS deleted FROM documents WHERE id = $1 AND workspace_id = $2",
    [id, workspaceId],
  );
  return result.rows[0]?.deleted === true;
}
