export {
  DocumentProducer,
  enqueueDocument,
  DEFAULT_DOCUMENT_JOB_OPTIONS,
} from "./producer/enqueue-document.js";
export type { DocumentQueue } from "./producer/enqueue-document.js";
export { DOCUMENT_JOB_NAME } from "./producer/document-job.js";
export type { DocumentJobData, DocumentJobResult } from "./producer/document-job.js";
