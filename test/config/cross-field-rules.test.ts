/**
 * Combinations that cannot work are refused with one line naming the variable to change; the
 * combinations next to them, which work, are accepted.
 */
import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { loadConfig, type Env } from "../../src/config/config.js";
import { ConfigError } from "../../src/config/config-error.js";

function refusal(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes("\n"), error.message);
    return error;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

describe("cross-field rules", () => {
  it("CLAIM_TTL_MS must outlive DOCUMENT_TIMEOUT_MS + DOCUMENT_TIMEOUT_GRACE_MS", () => {
    const error = refusal({ DOCUMENT_TIMEOUT_MS: "600000", DOCUMENT_TIMEOUT_GRACE_MS: "5000" });
    assert.equal(error.variable, "CLAIM_TTL_MS");
    assert.match(error.message, /DOCUMENT_TIMEOUT_MS \+ DOCUMENT_TIMEOUT_GRACE_MS \(605000\)/);
    assert.match(error.message, /got "600000"$/);
    assert.equal(refusal({ CLAIM_TTL_MS: "305000" }).variable, "CLAIM_TTL_MS");
    assert.equal(loadConfig({ CLAIM_TTL_MS: "305001" }).claimTtlMs, 305_001);
    assert.equal(
      loadConfig({ CLAIM_TTL_MS: "2000", DOCUMENT_TIMEOUT_MS: "400", DOCUMENT_TIMEOUT_GRACE_MS: "100" })
        .claimTtlMs,
      2000,
    );
    // The tests' own short limits, with the default claim: accepted.
    assert.equal(
      loadConfig({ DOCUMENT_TIMEOUT_MS: "400", DOCUMENT_TIMEOUT_GRACE_MS: "60000" }).claimTtlMs,
      600_000,
    );
  });

  it("DB_POOL_MAX_SIZE at least DB_POOL_MIN_SIZE", () => {
    assert.match(
      refusal({ DB_POOL_MIN_SIZE: "5", DB_POOL_MAX_SIZE: "2" }).message,
      /^DB_POOL_MAX_SIZE: expected at least DB_POOL_MIN_SIZE \(5\), got "2"$/,
    );
    assert.equal(loadConfig({ DB_POOL_MIN_SIZE: "3", DB_POOL_MAX_SIZE: "3" }).dbPoolMax, 3);
  });

  it("an overlap shorter than its chunk, in either unit", () => {
    assert.match(
      refusal({ CHUNK_SIZE: "100", CHUNK_OVERLAP: "100" }).message,
      /^CHUNK_OVERLAP: expected characters less than CHUNK_SIZE \(100\)/,
    );
    assert.match(
      refusal({ CHUNK_TOKENS: "100", CHUNK_OVERLAP_TOKENS: "100" }).message,
      /^CHUNK_OVERLAP_TOKENS: expected tokens less than CHUNK_TOKENS \(100\)/,
    );
    // Unset, the overlap stays below a small size.
    assert.equal(loadConfig({ CHUNK_SIZE: "50" }).chunkOverlap, 49);
    assert.equal(loadConfig({ CHUNK_TOKENS: "10" }).chunkOverlap, 9);
  });

  it("rag-corp's fake provider only with its 768 dimensions", () => {
    const error = refusal({ FAKE_EMBEDDINGS: "true", EMBEDDING_DIM: "384" });
    assert.equal(error.variable, "EMBEDDING_DIM");
    assert.match(error.message, /768 when EMBEDDING_PROVIDER=fake/);
    assert.equal(loadConfig({ FAKE_EMBEDDINGS: "true", EMBEDDING_DIM: "768" }).embeddingDim, 768);
    assert.equal(loadConfig({ EMBEDDING_PROVIDER: "hash", EMBEDDING_DIM: "384" }).embeddingDim, 384);
  });

  it("each provider with what it needs", () => {
    assert.equal(refusal({ EMBEDDING_PROVIDER: "onnx" }).variable, "EMBEDDING_MODEL");
    assert.equal(refusal({ EMBEDDING_PROVIDER: "openai" }).variable, "EMBEDDING_MODEL");
    assert.equal(refusal({ EMBEDDING_PROVIDER: "openai", EMBEDDING_MODEL: "m" }).variable, "EMBEDDING_URL");
    assert.equal(refusal({ EMBEDDING_PROVIDER: "google" }).variable, "GOOGLE_API_KEY");
    assert.match(refusal({ EMBEDDING_PROVIDER: "google" }).message, /got nothing$/);
  });

  it("a token chunk, merged last chunk included, shorter than the model's input", () => {
    assert.equal(refusal({ CHUNK_TOKENS: "200", EMBEDDING_MAX_LENGTH: "250" }).variable, "CHUNK_TOKENS");
    assert.equal(loadConfig({ CHUNK_TOKENS: "200", EMBEDDING_MAX_LENGTH: "251" }).chunkSize, 200);
  });
});
