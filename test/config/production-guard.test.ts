/**
 * APP_ENV=production refuses what rag-corp's settings refuse (JWT_SECRET, JWT_COOKIE_SECURE,
 * METRICS_REQUIRE_AUTH, API_KEYS_CONFIG/RBAC_CONFIG), through loadConfig and through the real CLI;
 * plus the boolean spellings and RBAC_CONFIG's parsing that the guard and /metrics rely on.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "../support/bounded-test.js";
import { booleanSetting, parseBooleanSetting } from "../../src/config/boolean-setting.js";
import { ConfigError } from "../../src/config/config-error.js";
import { loadConfig } from "../../src/config/config.js";
import {
  assertProductionReady,
  KNOWN_DEFAULT_JWT_SECRETS,
  type GuardedEnv,
} from "../../src/config/production-guard.js";
import { BUILT_IN_ROLES, parseRbacConfig, rbacKeyHash, roleGrants } from "../../src/config/rbac-config.js";
import { CLI_PATH } from "../support/worker-process.js";

const STRONG_SECRET = "q7Vt2mX9pL4sR8wK1nB6cF3hJ0dZ5yGe";

/** A production environment the guard accepts; each test breaks one thing. */
const production = (overrides: Record<string, string | undefined> = {}): GuardedEnv => ({
  APP_ENV: "production",
  JWT_SECRET: STRONG_SECRET,
  JWT_COOKIE_SECURE: "true",
  METRICS_REQUIRE_AUTH: "true",
  API_KEYS_CONFIG: '{"scraper-key":["metrics"]}',
  ...overrides,
});

function refusal(env: GuardedEnv, variable: string): ConfigError {
  let caught: unknown;
  try {
    assertProductionReady(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof ConfigError,
    `expected a ConfigError naming ${variable}, got ${String(caught)}`,
  );
  assert.equal(caught.variable, variable, caught.message);
  assert.ok(caught.message.startsWith(`${variable}: `), caught.message);
  return caught;
}

describe("assertProductionReady (APP_ENV=production)", () => {
  it("accepts a complete production environment, with RBAC_CONFIG instead of API_KEYS_CONFIG too", () => {
    assert.doesNotThrow(() => assertProductionReady(production()));
    assert.doesNotThrow(() =>
      assertProductionReady(production({ API_KEYS_CONFIG: undefined, RBAC_CONFIG: '{"key_roles":{}}' })),
    );
  });

  it("checks nothing outside production", () => {
    for (const appEnv of [undefined, "", "development", "staging", "prod", "test"]) {
      assert.doesNotThrow(() => assertProductionReady({ APP_ENV: appEnv }), String(appEnv));
    }
  });

  it("reads APP_ENV stripped and in any case", () => {
    for (const appEnv of ["PRODUCTION", " Production\n"]) {
      refusal({ APP_ENV: appEnv }, "JWT_SECRET");
    }
  });

  it("refuses a missing or blank JWT_SECRET", () => {
    refusal(production({ JWT_SECRET: undefined }), "JWT_SECRET");
    refusal(production({ JWT_SECRET: "   " }), "JWT_SECRET");
  });

  it("refuses a JWT_SECRET under 32 characters (code points), without showing it", () => {
    const short = STRONG_SECRET.slice(0, 31);
    const error = refusal(production({ JWT_SECRET: short }), "JWT_SECRET");
    assert.ok(!error.message.includes(short), error.message);
    assert.match(error.message, /31 characters/);
    // 31 code points of 2 UTF-16 units each: still too short.
    refusal(production({ JWT_SECRET: "🔑".repeat(31) }), "JWT_SECRET");
    assert.doesNotThrow(() =>
      assertProductionReady(production({ JWT_SECRET: `${STRONG_SECRET.slice(0, 30)}é🔑` })),
    );
  });

  it("refuses known defaults and placeholders, whatever their length or case", () => {
    for (const placeholder of KNOWN_DEFAULT_JWT_SECRETS) {
      const error = refusal(production({ JWT_SECRET: placeholder.toUpperCase() }), "JWT_SECRET");
      assert.match(error.message, /placeholder/);
    }
    for (const long of [
      "change-me-change-me-change-me-change-me",
      "x".repeat(64),
      `prefix-ChangeMe-${STRONG_SECRET}`,
    ]) {
      refusal(production({ JWT_SECRET: long }), "JWT_SECRET");
    }
  });

  it("requires JWT_COOKIE_SECURE true, in any of the boolean spellings", () => {
    for (const value of [undefined, "false", "0", "no", "off", "maybe"]) {
      refusal(production({ JWT_COOKIE_SECURE: value }), "JWT_COOKIE_SECURE");
    }
    for (const value of ["1", "TRUE", "yes", "On", "t", "y"]) {
      assert.doesNotThrow(() => assertProductionReady(production({ JWT_COOKIE_SECURE: value })), value);
    }
  });

  it("requires METRICS_REQUIRE_AUTH true", () => {
    for (const value of [undefined, "0", "false", "off"]) {
      refusal(production({ METRICS_REQUIRE_AUTH: value }), "METRICS_REQUIRE_AUTH");
    }
  });

  it("requires API_KEYS_CONFIG or RBAC_CONFIG", () => {
    const error = refusal(production({ API_KEYS_CONFIG: undefined }), "API_KEYS_CONFIG");
    assert.match(error.message, /RBAC_CONFIG/);
    refusal(production({ API_KEYS_CONFIG: "  ", RBAC_CONFIG: "" }), "API_KEYS_CONFIG");
  });

  it("runs first in loadConfig", () => {
    assert.throws(
      () => loadConfig({ APP_ENV: "production" }),
      (error: unknown) => {
        return error instanceof ConfigError && error.variable === "JWT_SECRET";
      },
    );
    const config = loadConfig(production());
    assert.equal(config.metricsRequireAuth, true);
  });

  it("stops the real worker before it connects to anything, naming the variable", () => {
    const run = spawnSync(process.execPath, [CLI_PATH, "start"], {
      env: {
        PATH: process.env["PATH"] ?? "",
        ...production({ METRICS_REQUIRE_AUTH: "0" }),
        // Nothing listens there: the guard must refuse before any connection is tried.
        REDIS_URL: "redis://127.0.0.1:1",
        DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:1/none",
      } as Record<string, string>,
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.notEqual(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /METRICS_REQUIRE_AUTH/);
    assert.ok(!run.stderr.includes(STRONG_SECRET), run.stderr);
  });
});

describe("booleanSetting (pydantic's spellings)", () => {
  it("reads 1/0, true/false, yes/no, on/off, t/f, y/n in any ASCII case", () => {
    for (const word of ["1", "true", "TRUE", "True", "yes", "YeS", "on", "ON", "t", "T", "y", "Y"]) {
      assert.equal(parseBooleanSetting(word), true, word);
      assert.equal(booleanSetting.parse(word), true, word);
    }
    for (const word of ["0", "false", "FALSE", "no", "No", "off", "OFF", "f", "F", "n", "N"]) {
      assert.equal(parseBooleanSetting(word), false, word);
      assert.equal(booleanSetting.parse(word), false, word);
    }
  });

  it("refuses anything else", () => {
    for (const word of ["", "2", "-1", "tru", "yess", "enabled", "nope", "ı", "1.0"]) {
      assert.equal(parseBooleanSetting(word), undefined, word);
      assert.equal(booleanSetting.safeParse(word).success, false, word);
    }
  });
});

describe("parseRbacConfig (RBAC_CONFIG)", () => {
  const secret = "sk-rbac-key-that-must-not-leak";

  it("is null when unset or blank", () => {
    assert.equal(parseRbacConfig(undefined), null);
    assert.equal(parseRbacConfig(""), null);
    assert.equal(parseRbacConfig(" \n"), null);
  });

  it("reads roles and key_roles, stripped, hashes in lower case", () => {
    const hash = rbacKeyHash(secret);
    const config = parseRbacConfig(
      JSON.stringify({
        roles: { " ops ": { permissions: [" admin:metrics ", ""], inherits_from: " user " }, bare: {} },
        key_roles: { [hash.toUpperCase()]: " ops " },
        description: "unknown fields are ignored",
      }),
    );
    assert.deepEqual(config, {
      roles: [
        { name: "ops", permissions: ["admin:metrics"], inheritsFrom: "user" },
        { name: "bare", permissions: [], inheritsFrom: null },
      ],
      keyRoles: [{ keyHash: hash, role: "ops" }],
    });
  });

  it("an empty object is a configuration (only built-in roles, no keys)", () => {
    assert.deepEqual(parseRbacConfig("{}"), { roles: [], keyRoles: [] });
  });

  it("built-in roles: admin has *, user/readonly/ingest-only lack admin:metrics", () => {
    const config = { roles: [], keyRoles: [] };
    assert.deepEqual(
      BUILT_IN_ROLES.map((role) => role.name),
      ["admin", "user", "readonly", "ingest-only"],
    );
    assert.equal(roleGrants(config, "admin", "admin:metrics"), true);
    for (const role of ["user", "readonly", "ingest-only", "nobody"]) {
      assert.equal(roleGrants(config, role, "admin:metrics"), false, role);
    }
  });

  it("follows inherits_from to built-in roles and stops at cycles", () => {
    const config = parseRbacConfig(
      JSON.stringify({
        roles: {
          a: { permissions: [], inherits_from: "b" },
          b: { permissions: [], inherits_from: "admin" },
          self: { permissions: ["x"], inherits_from: "self" },
          c1: { inherits_from: "c2" },
          c2: { inherits_from: "c3" },
          c3: { inherits_from: "c1" },
        },
      }),
    );
    assert.ok(config);
    assert.equal(roleGrants(config, "a", "admin:metrics"), true);
    assert.equal(roleGrants(config, "self", "admin:metrics"), false);
    assert.equal(roleGrants(config, "self", "x"), true);
    assert.equal(roleGrants(config, "c1", "admin:metrics"), false);
  });

  const malformed: ReadonlyArray<readonly [label: string, raw: string]> = [
    [
      "unparseable JSON (rag-corp ignores it; ragworker refuses to start)",
      `{"key_roles": {"${secret}": "admin"`,
    ],
    ["a JSON array", `["${secret}"]`],
    ["JSON null", "null"],
    ["roles that are not an object", `{"roles": ["${secret}"]}`],
    ["permissions that are not a list", `{"roles": {"r": {"permissions": "${secret}"}}}`],
    ["a role name that is not a string", `{"key_roles": {"abcdefabcdef": ["${secret}"]}}`],
    ["a key pasted in place of its hash", `{"key_roles": {"${secret}": "admin"}}`],
    ["a full SHA-256 in place of its first 12 digits", `{"key_roles": {"${"a".repeat(64)}": "admin"}}`],
    ["the same hash twice", `{"key_roles": {"abcdefabcdef": "admin", "ABCDEFABCDEF": "user"}}`],
  ];
  for (const [label, raw] of malformed) {
    it(`refuses ${label}, naming RBAC_CONFIG without echoing it`, () => {
      let caught: unknown;
      try {
        parseRbacConfig(raw);
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof ConfigError, String(caught));
      assert.equal(caught.variable, "RBAC_CONFIG");
      assert.ok(!caught.message.includes(secret), caught.message);
    });
  }

  it("flows through loadConfig", () => {
    const hash = rbacKeyHash(secret);
    assert.deepEqual(loadConfig({ RBAC_CONFIG: `{"key_roles":{"${hash}":"admin"}}` }).rbac, {
      roles: [],
      keyRoles: [{ keyHash: hash, role: "admin" }],
    });
    assert.equal(loadConfig({}).rbac, null);
    assert.throws(() => loadConfig({ RBAC_CONFIG: "{not json" }), /^ConfigError: RBAC_CONFIG: /);
  });
});
