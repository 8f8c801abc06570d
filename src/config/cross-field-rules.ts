import { maxMergedChunkLength } from "../chunk/split-text.js";
import { FAKE_EMBEDDER_DIMENSION } from "../embed/fake-embedder.js";
import type { Config } from "./config.js";
import { ConfigError } from "./config-error.js";

/**
 * A combination of settings that cannot work: each rule names the variable to change, and what it
 * must be given the others, as the one line the process prints. Rules run on the parsed Config,
 * after every variable has been read on its own.
 */
export interface CrossFieldRule {
  /** Why the combination is impossible (documentation; the README's table says it in words). */
  readonly why: string;
  /** The error, or null when the combination holds. */
  check(config: Config): ConfigError | null;
}

const rule = (why: string, check: (config: Config) => ConfigError | null): CrossFieldRule => ({ why, check });

export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  rule("a pool cannot keep open more connections than it may have", ({ dbPoolMin, dbPoolMax }) =>
    dbPoolMax >= dbPoolMin
      ? null
      : new ConfigError("DB_POOL_MAX_SIZE", `at least DB_POOL_MIN_SIZE (${dbPoolMin})`, String(dbPoolMax)),
  ),
  rule("an overlap as long as the chunk would never advance", ({ chunkUnit, chunkSize, chunkOverlap }) => {
    if (chunkOverlap < chunkSize) return null;
    const [overlap, size] =
      chunkUnit === "tokens" ? ["CHUNK_OVERLAP_TOKENS", "CHUNK_TOKENS"] : ["CHUNK_OVERLAP", "CHUNK_SIZE"];
    return new ConfigError(overlap, `${chunkUnit} less than ${size} (${chunkSize})`, String(chunkOverlap));
  }),
  rule("the onnx provider loads a model from a directory", ({ embeddingProvider, embedding }) =>
    embeddingProvider === "onnx" && embedding.model === null
      ? new ConfigError(
          "EMBEDDING_MODEL",
          "the local model directory when EMBEDDING_PROVIDER=onnx",
          undefined,
        )
      : null,
  ),
  rule("the openai provider names a model and a service", ({ embeddingProvider, embedding }) => {
    if (embeddingProvider !== "openai") return null;
    if (embedding.model === null) {
      return new ConfigError("EMBEDDING_MODEL", "the model name when EMBEDDING_PROVIDER=openai", undefined);
    }
    if (embedding.url === null) {
      return new ConfigError(
        "EMBEDDING_URL",
        "the service's base URL when EMBEDDING_PROVIDER=openai",
        undefined,
      );
    }
    return null;
  }),
  rule("the google provider calls the Gemini API with a key", ({ embeddingProvider, embedding }) =>
    embeddingProvider === "google" && embedding.google.apiKey === null
      ? new ConfigError("GOOGLE_API_KEY", "the Gemini API key when EMBEDDING_PROVIDER=google", undefined)
      : null,
  ),
  rule("rag-corp's fake provider's vectors have a fixed dimension", ({ embeddingProvider, embeddingDim }) =>
    embeddingProvider === "fake" && embeddingDim !== FAKE_EMBEDDER_DIMENSION
      ? new ConfigError(
          "EMBEDDING_DIM",
          `${FAKE_EMBEDDER_DIMENSION} when EMBEDDING_PROVIDER=fake (its vectors' dimension)`,
          String(embeddingDim),
        )
      : null,
  ),
  rule(
    "a chunk longer than the model's input is truncated when embedded: its end would not be found",
    ({ chunkUnit, chunkSize, embedding }) =>
      chunkUnit === "tokens" &&
      embedding.maxLength !== null &&
      maxMergedChunkLength(chunkSize) >= embedding.maxLength
        ? new ConfigError(
            "CHUNK_TOKENS",
            `tokens such that CHUNK_TOKENS + 25% (a merged last chunk) stays below EMBEDDING_MAX_LENGTH (${embedding.maxLength})`,
            String(chunkSize),
          )
        : null,
  ),
  rule(
    "a claim must outlive the longest a live job holds it, or another job takes over a document still processing",
    ({ claimTtlMs, documentTimeoutMs, documentTimeoutGraceMs }) =>
      claimTtlMs > documentTimeoutMs + documentTimeoutGraceMs
        ? null
        : new ConfigError(
            "CLAIM_TTL_MS",
            `milliseconds more than DOCUMENT_TIMEOUT_MS + DOCUMENT_TIMEOUT_GRACE_MS (${documentTimeoutMs + documentTimeoutGraceMs}): a live job's claim could be taken over`,
            String(claimTtlMs),
          ),
  ),
];

/** Throws the first impossible combination's ConfigError. */
export function checkCrossFieldRules(config: Config): void {
  for (const { check } of CROSS_FIELD_RULES) {
    const error = check(config);
    if (error) throw error;
  }
}
