/** The queue contract shared with the API side (the RQ worker's, kept as is). */
export const DOCUMENT_JOB_NAME = "process-document";

export interface DocumentJobData {
  readonly documentId: string;
  readonly workspaceId: string;
  readonly requestId?: string;
  readonly traceparent?: string;
}

export interface DocumentJobResult {
  readonly status: string;
  readonly chunksCreated: number;
}
