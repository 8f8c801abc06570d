import { randomUUID } from "node:crypto";
import type pg from "pg";

/** A workspace and a document claimed by `jobId`, as the pipeline leaves it before writing. */
export async function claimedDocument(client: pg.Client, jobId: string): Promise<string> {
  const workspace = await client.query<{ id: string }>(
    "INSERT INTO workspaces (name) VALUES ('w') RETURNING id",
  );
  const documentId = randomUUID();
  await client.query(
    `INSERT INTO documents (id, workspace_id, title, status, processing_job_id)
     VALUES ($1, $2, 'doc', 'PROCESSING', $3)`,
    [documentId, workspace.rows[0]?.id, jobId],
  );
  return documentId;
}
