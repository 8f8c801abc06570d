/**
 * The keys of rag-corp's embedding cache, reproduced so ragworker and rag-corp share entries.
 *
 * Logical key `{model_id}|{task_type}|v1|{text}`, the text trimmed and every run of whitespace made
 * one space (Python's whitespace set, as rag-corp's `\s+` sees it). It is stored under the SHA-256
 * hex of its UTF-8, and in Redis at `rag:embedding:<hex>`.
 *
 * So texts differing only in spacing share an entry, although the fake provider gives them
 * different vectors: whichever was embedded first is what both get back.
 */
import { createHash } from "node:crypto";

import { collapsePythonWhitespace, pythonStrip } from "../text/python-whitespace.js";

export const EMBEDDING_CACHE_KEY_VERSION = "v1";
export const REDIS_EMBEDDING_KEY_PREFIX = "rag:embedding:";
/** rag-corp's task type for documents (the worker's side); the API embeds queries as `retrieval_query`. */
export const DOCUMENT_TASK_TYPE = "retrieval_document";
export const QUERY_TASK_TYPE = "retrieval_query";

export function normalizeForEmbeddingCache(text: string): string {
  return collapsePythonWhitespace(pythonStrip(text));
}

export function logicalEmbeddingCacheKey(modelId: string, taskType: string, text: string): string {
  return `${modelId}|${taskType}|${EMBEDDING_CACHE_KEY_VERSION}|${normalizeForEmbeddingCache(text)}`;
}

/** SHA-256 hex of the logical key: what both backends store under. */
export function embeddingCacheDigest(modelId: string, taskType: string, text: string): string {
  return createHash("sha256")
    .update(logicalEmbeddingCacheKey(modelId, taskType, text), "utf8")
    .digest("hex");
}

export function redisEmbeddingKey(digest: string): string {
  return `${REDIS_EMBEDDING_KEY_PREFIX}${digest}`;
}
