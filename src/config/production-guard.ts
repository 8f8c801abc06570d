import { pythonStrip } from "../text/python-whitespace.js";
import { parseBooleanSetting } from "./boolean-setting.js";
import { ConfigError } from "./config-error.js";

/**
 * rag-corp's production guard, which ragworker keeps so it refuses the same deployments: with
 * `APP_ENV=production` the worker does not start unless
 *   - JWT_SECRET has at least 32 characters and is not a placeholder (see below),
 *   - JWT_COOKIE_SECURE is true,
 *   - METRICS_REQUIRE_AUTH is true,
 *   - API_KEYS_CONFIG or RBAC_CONFIG is set (not blank).
 * ragworker itself uses no JWT; the two JWT variables are checked because rag-corp's worker checks
 * them, so an environment one refuses the other refuses too.
 *
 * APP_ENV is compared after stripping surrounding whitespace and ignoring case (`Production` is
 * production): in doubt, the guard applies. Booleans are read like the other settings (1, true,
 * yes, on, t, y). JWT_SECRET is stripped before it is measured, in code points (Python's `len`).
 * Errors name the variable and never show a secret's value.
 */
export type GuardedEnv = Readonly<Record<string, string | undefined>>;

export const MIN_JWT_SECRET_LENGTH = 32;

/**
 * Placeholders refused as JWT_SECRET, compared ignoring case. Most are shorter than 32 characters
 * and already refused for that; the list names them so the error says why. A value containing
 * "changeme" (with or without "-", "_" or a space) is refused whatever its length, and so is one
 * character repeated.
 */
export const KNOWN_DEFAULT_JWT_SECRETS: readonly string[] = [
  "change-me",
  "changeme",
  "change_me",
  "secret",
  "dev-secret",
  "development",
  "jwt-secret",
  "supersecret",
  "your-secret-key",
  "test-secret",
];

const PLACEHOLDER = /change[-_ ]?me/i;

function isPlaceholder(secret: string): boolean {
  const lower = secret.toLowerCase();
  if (KNOWN_DEFAULT_JWT_SECRETS.includes(lower) || PLACEHOLDER.test(secret)) return true;
  const [first] = secret;
  return first !== undefined && [...secret].every((character) => character === first);
}

function requireTrue(name: string, raw: string | undefined): void {
  if (parseBooleanSetting(pythonStrip(raw ?? "")) !== true) {
    throw new ConfigError(name, "true (1, true, yes, on) when APP_ENV=production", raw);
  }
}

/** Throws a ConfigError naming the first variable that makes a production environment unsafe. */
export function assertProductionReady(env: GuardedEnv): void {
  // Every variable is read before the first decision, so a recording environment (the deploy
  // tests' list of variables the worker reads) sees all of them.
  const appEnv = env["APP_ENV"];
  const jwtSecret = env["JWT_SECRET"];
  const jwtCookieSecure = env["JWT_COOKIE_SECURE"];
  const metricsRequireAuth = env["METRICS_REQUIRE_AUTH"];
  const apiKeysConfig = env["API_KEYS_CONFIG"];
  const rbacConfig = env["RBAC_CONFIG"];
  if (pythonStrip(appEnv ?? "").toLowerCase() !== "production") return;

  const secret = pythonStrip(jwtSecret ?? "");
  if (secret === "") {
    throw new ConfigError(
      "JWT_SECRET",
      `a secret of at least ${MIN_JWT_SECRET_LENGTH} characters when APP_ENV=production`,
      undefined,
    );
  }
  if (isPlaceholder(secret)) {
    throw new ConfigError(
      "JWT_SECRET",
      "a secret of your own when APP_ENV=production",
      "<a known placeholder>",
    );
  }
  const length = [...secret].length;
  if (length < MIN_JWT_SECRET_LENGTH) {
    throw new ConfigError(
      "JWT_SECRET",
      `at least ${MIN_JWT_SECRET_LENGTH} characters when APP_ENV=production`,
      `<${length} characters>`,
    );
  }
  requireTrue("JWT_COOKIE_SECURE", jwtCookieSecure);
  requireTrue("METRICS_REQUIRE_AUTH", metricsRequireAuth);
  if (pythonStrip(apiKeysConfig ?? "") === "" && pythonStrip(rbacConfig ?? "") === "") {
    throw new ConfigError(
      "API_KEYS_CONFIG",
      "API_KEYS_CONFIG or RBAC_CONFIG set when APP_ENV=production (METRICS_REQUIRE_AUTH needs keys)",
      undefined,
    );
  }
}
