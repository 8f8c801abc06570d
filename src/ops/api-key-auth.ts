import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiKeyEntry } from "../config/api-keys.js";
import {
  METRICS_PERMISSION,
  rbacKeyHash,
  roleGrants,
  roleOfKeyHash,
  type RbacConfig,
} from "../config/rbac-config.js";
import { pythonStrip } from "../text/python-whitespace.js";

export type AuthDecision = "allowed" | "missing" | "forbidden";

/** The scope of API_KEYS_CONFIG that opens /metrics; `*` opens it too. */
export const METRICS_SCOPE = "metrics";
const WILDCARD_SCOPE = "*";

const sha256 = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * The key a request presents: `X-API-Key` (what rag-corp's worker reads), else the token of
 * `Authorization: Bearer <key>` (what Prometheus' `authorization` scrape setting sends). Both are
 * stripped of surrounding whitespace; an empty one counts as absent. Other schemes are ignored.
 */
export function presentedKey(
  apiKeyHeader: string | undefined,
  authorizationHeader: string | undefined,
): string | undefined {
  const apiKey = pythonStrip(apiKeyHeader ?? "");
  if (apiKey !== "") return apiKey;
  const bearer = /^bearer[ \t]+(.*)$/is.exec(pythonStrip(authorizationHeader ?? ""));
  const token = pythonStrip(bearer?.[1] ?? "");
  return token === "" ? undefined : token;
}

/**
 * Compares the presented key with every configured key, by SHA-256 digest and in constant time,
 * without stopping at the first match: timing tells nothing about which key, or how much of it,
 * matched. A key is granted the scope when its scopes list it or `*`. No configured key means
 * nothing is allowed (fail safe).
 */
export function authorize(
  presented: string | undefined,
  keys: readonly ApiKeyEntry[],
  scope: string,
): AuthDecision {
  if (presented === undefined || presented === "") return "missing";
  const digest = sha256(presented);
  let granted = false;
  for (const key of keys) {
    const expected = key.kind === "sha256" ? Buffer.from(key.value, "hex") : sha256(key.value);
    const matches = expected.length === digest.length && timingSafeEqual(expected, digest);
    const hasScope = key.scopes.includes(scope) || key.scopes.includes(WILDCARD_SCOPE);
    granted = (matches && hasScope) || granted;
  }
  return granted ? "allowed" : "forbidden";
}

/**
 * rag-corp's rules for its worker's /metrics (with METRICS_REQUIRE_AUTH on): no key → missing
 * (401); neither API_KEYS_CONFIG nor RBAC_CONFIG configured → forbidden (403); a key of
 * API_KEYS_CONFIG with scope `metrics` or `*` → allowed; else a key whose hash RBAC_CONFIG maps to
 * a role granting `admin:metrics` or `*` → allowed; else forbidden.
 */
export function authorizeMetrics(
  presented: string | undefined,
  keys: readonly ApiKeyEntry[],
  rbac: RbacConfig | null,
): AuthDecision {
  if (presented === undefined || presented === "") return "missing";
  if (keys.length === 0 && rbac === null) return "forbidden";
  if (authorize(presented, keys, METRICS_SCOPE) === "allowed") return "allowed";
  if (rbac === null) return "forbidden";
  const role = roleOfKeyHash(rbac, rbacKeyHash(presented));
  return role !== undefined && roleGrants(rbac, role, METRICS_PERMISSION) ? "allowed" : "forbidden";
}
