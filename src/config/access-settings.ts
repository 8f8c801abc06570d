import { parseApiKeys } from "./api-keys.js";
import { MIN_JWT_SECRET_LENGTH } from "./production-guard.js";
import { BOOLEAN_SETTING_EXPECTED } from "./boolean-setting.js";
import { parseRbacConfig } from "./rbac-config.js";
import { flag } from "./readers.js";
import { parsedSetting, setting } from "./setting.js";

/** Who may read /metrics. */
export const ACCESS_SETTINGS = {
  metricsRequireAuth: setting("METRICS_REQUIRE_AUTH", flag, {
    default: "0",
    describe:
      '`1` (or any pydantic boolean: `true`, `yes`, `on`…): `/metrics` needs a key, as `X-API-Key` or `Authorization: Bearer` (see "Ops server")',
  }),
  apiKeys: parsedSetting("API_KEYS_CONFIG", {
    parse: parseApiKeys,
    expected: 'a JSON object like {"key":["metrics"]}',
    defaultText: "empty",
    describe:
      '`{"key":["metrics"]}`: scope `metrics` (or `*`) opens `/metrics`; scope `admin` turns the operator web view (`/admin`) on and opens it; a key written `sha256:<hex>` is compared by its hash',
  }),
  rbac: parsedSetting("RBAC_CONFIG", {
    parse: parseRbacConfig,
    expected: 'a JSON object like {"roles":{…},"key_roles":{…}}',
    defaultText: "empty",
    describe:
      'rag-corp\'s roles: `{"roles":{name:{"permissions":[…],"inherits_from":name}},"key_roles":{"<first 12 hex of sha256(key)>":"role"}}`; a role with `admin:metrics` or `*` reads `/metrics`; built-in `admin` (`*`), `user`, `readonly`, `ingest-only`',
  }),
};

/**
 * rag-corp's production guard's variables, read by assertProductionReady (production-guard.ts)
 * rather than into the Config: declared here so that they are documented with the others.
 */
export const GUARD_SETTINGS = {
  appEnv: parsedSetting("APP_ENV", {
    parse: (raw) => raw ?? "development",
    expected: "production, or anything else",
    defaultText: "`development`",
    describe:
      "`production` refuses to start unless `JWT_SECRET` has 32+ characters and is no known default, `JWT_COOKIE_SECURE=true`, `METRICS_REQUIRE_AUTH=true` and `API_KEYS_CONFIG` or `RBAC_CONFIG` is set (rag-corp's guard)",
  }),
  jwtSecret: parsedSetting("JWT_SECRET", {
    parse: (raw) => raw ?? null,
    expected: `a secret of at least ${MIN_JWT_SECRET_LENGTH} characters when APP_ENV=production`,
    defaultText: "none",
    describe: "checked only with `APP_ENV=production` (ragworker uses no JWT; rag-corp's worker checks it)",
  }),
  jwtCookieSecure: parsedSetting("JWT_COOKIE_SECURE", {
    parse: (raw) => raw ?? null,
    expected: BOOLEAN_SETTING_EXPECTED,
    defaultText: "none",
    describe: "checked only with `APP_ENV=production`: must be true",
  }),
};
