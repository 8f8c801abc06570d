import { ACCESS_SETTINGS, GUARD_SETTINGS } from "./access-settings.js";
import { CHUNK_SETTINGS, NODE_SETTINGS } from "./chunk-settings.js";
import { CONVERSION_SETTINGS } from "./conversion-settings.js";
import { EMBEDDING_SETTINGS, FAKE_EMBEDDINGS, PROVIDER_SETTINGS } from "./embedding-settings.js";
import { GOOGLE_SETTINGS } from "./google-settings.js";
import { DEPENDENCY_SETTINGS } from "./dependency-settings.js";
import { FAIRNESS_SETTINGS } from "./fairness-settings.js";
import { JOB_SETTINGS } from "./job-settings.js";
import { LIMIT_SETTINGS } from "./limit-settings.js";
import { OCR_SETTINGS } from "./ocr-settings.js";
import { RECONCILE_SETTINGS } from "./reconcile-settings.js";
import { S3_SETTINGS } from "./s3-settings.js";
import { SERVICE_SETTINGS } from "./service-settings.js";
import type { Setting } from "./setting.js";
import { STORAGE_URL } from "./storage-settings.js";
import { TELEMETRY_SETTINGS } from "./telemetry-settings.js";

/**
 * Every variable the worker reads, each declared once, in the order the README's configuration
 * table lists them (that table is rendered from this list: config-table.ts).
 */
export const SETTINGS: readonly Setting<unknown>[] = [
  ...Object.values(SERVICE_SETTINGS),
  STORAGE_URL,
  ...Object.values(S3_SETTINGS),
  EMBEDDING_SETTINGS.embeddingProvider,
  FAKE_EMBEDDINGS,
  EMBEDDING_SETTINGS.embeddingDim,
  EMBEDDING_SETTINGS.embeddingBatchSize,
  ...Object.values(PROVIDER_SETTINGS),
  ...Object.values(GOOGLE_SETTINGS),
  ...Object.values(CHUNK_SETTINGS),
  ...Object.values(NODE_SETTINGS),
  ...Object.values(LIMIT_SETTINGS),
  ...Object.values(OCR_SETTINGS),
  ...Object.values(CONVERSION_SETTINGS),
  ...Object.values(JOB_SETTINGS),
  ...Object.values(FAIRNESS_SETTINGS),
  ...Object.values(DEPENDENCY_SETTINGS),
  ...Object.values(RECONCILE_SETTINGS),
  ...Object.values(ACCESS_SETTINGS),
  ...Object.values(GUARD_SETTINGS),
  ...Object.values(TELEMETRY_SETTINGS),
];
