import { z } from "zod";
import type { Logger } from "../logging/logger.js";
import type { DocumentStore } from "./document-store.js";
import type { LoadedDocument } from "./document-repository.js";
import type { StatementQueryable } from "./queryable.js";

/**
 * What a job's document needs, from the job's ids and one lookup: nothing (its ids are malformed,
 * it is not in the workspace, it was deleted, it is READY already), or work. The supervisor asks
 * this before a job takes a thread, so a job that needs no work never crosses to one; a thread
 * asks it for a task the supervisor could not look up.
 */
export type DocumentTriage =
  | { readonly kind: "no-work"; readonly status: NoWorkStatus }
  | {
      readonly kind: "work";
      readonly documentId: string;
      readonly workspaceId: string;
      readonly document: LoadedDocument;
    };

export type NoWorkStatus = "INVALID" | "MISSING" | "CANCELLED" | "READY";

// Postgres accepts any 8-4-4-4-12 hex UUID, so the worker does too (not only RFC 4122 variants).
const uuid = z.guid();
const jobIds = z.object({ documentId: uuid, workspaceId: uuid });

/**
 * Throws what the lookup throws (the caller classifies database errors); writes rag-corp's line
 * for each no-work outcome through `logger`, the job's own logger.
 */
export async function triageDocument(
  ids: { readonly jobId: string; readonly documentId: unknown; readonly workspaceId: unknown },
  db: StatementQueryable,
  store: Pick<DocumentStore, "load">,
  logger: Logger,
): Promise<DocumentTriage> {
  const parsed = jobIds.safeParse(ids);
  if (!parsed.success) {
    // rag-corp's line and fields for a malformed job, so its log queries find these too.
    const field = uuid.safeParse(ids.documentId).success ? "workspace_id" : "document_id";
    const value = field === "document_id" ? ids.documentId : ids.workspaceId;
    logger.warn(
      { field, value: typeof value === "string" ? value.slice(0, 200) : String(value), job_id: ids.jobId },
      "Job inválido: UUID malformado",
    );
    return { kind: "no-work", status: "INVALID" };
  }
  const { documentId, workspaceId } = parsed.data;
  const document = await store.load(db, documentId, workspaceId);
  const status = noWorkStatus(document, logger);
  if (document === null || status !== null) return { kind: "no-work", status: status ?? "MISSING" };
  return { kind: "work", documentId, workspaceId, document };
}

/**
 * A looked-up document that needs no work, as the job's status, its line logged; null when it
 * needs work. Also for a document read again after a claim that failed.
 */
export function noWorkStatus(document: LoadedDocument | null, logger: Logger): NoWorkStatus | null {
  if (document === null) {
    logger.warn("document not found in this workspace");
    return "MISSING";
  }
  if (document.deleted) {
    // Cancelled before its job ran: skipped, the row left as the API left it.
    logger.info("document deleted before processing; skipped");
    return "CANCELLED";
  }
  if (document.status === "READY") {
    logger.info("document already READY; nothing to do");
    return "READY";
  }
  return null;
}
