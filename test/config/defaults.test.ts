/** Defaults are declared once, in src/config; the modules that need one outside a Config read it there. */
import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { defaultConfig, loadConfig } from "../../src/config/config.js";
import { THREAD_SETTING_KEYS, threadSettings } from "../../src/config/thread-settings.js";
import { DEFAULT_EXTRACT_OPTIONS } from "../../src/extract/extract-options.js";
import { DEFAULT_DOCUMENT_JOB_OPTIONS } from "../../src/producer/enqueue-document.js";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "../support/services.js";

describe("declared defaults", () => {
  const defaults = defaultConfig();

  it("are the Config of an empty environment", () => {
    assert.deepEqual(defaults, loadConfig({}));
    assert.equal(defaultConfig(), defaults);
  });

  it("are what extraction, the producer and the tests use", () => {
    assert.deepEqual(
      [
        DEFAULT_EXTRACT_OPTIONS.maxPages,
        DEFAULT_EXTRACT_OPTIONS.maxUncompressedBytes,
        DEFAULT_EXTRACT_OPTIONS.maxCompressionRatio,
      ],
      [defaults.maxPages, defaults.maxArchiveUncompressedBytes, defaults.maxArchiveCompressionRatio],
    );
    assert.equal(DEFAULT_DOCUMENT_JOB_OPTIONS.attempts, defaults.jobAttempts);
    assert.equal(DEFAULT_REDIS_URL, defaults.redisUrl);
    assert.equal(DEFAULT_DATABASE_URL, defaults.databaseUrl);
  });
});

describe("threadSettings", () => {
  it("keeps what threads read and drops the supervisor's own, API keys and RBAC included", () => {
    const config = loadConfig({ API_KEYS_CONFIG: '{"k1":["metrics"]}' });
    const picked = threadSettings(config);
    assert.deepEqual(Object.keys(picked).sort(), [...THREAD_SETTING_KEYS].sort());
    for (const key of ["apiKeys", "rbac", "metricsRequireAuth", "queueName", "httpPort", "drainTimeoutMs"]) {
      assert.ok(!(key in picked), key);
    }
    assert.equal(picked.embedding, config.embedding);
  });
});
