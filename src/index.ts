export {
  DocumentProducer,
  enqueueDocument,
  DEFAULT_DOCUMENT_JOB_OPTIONS,
} from "./producer/enqueue-document.js";
export type { DocumentQueue, EnqueueOptions, ProducerOptions } from "./producer/enqueue-document.js";
export type { Lane } from "./fairness/lane.js";
export { FAIRNESS_DEFAULTS, type FairnessSettings } from "./config/fairness-settings.js";
export { DOCUMENT_JOB_NAME } from "./producer/document-job.js";
export type { DocumentJobData, DocumentJobResult } from "./producer/document-job.js";
// A producer with its own BullMQ Queue on a Redis Cluster needs the worker's queue prefix.
export { CLUSTER_QUEUE_PREFIX, queuePrefix } from "./config/redis-connection.js";
