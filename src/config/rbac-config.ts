import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { pythonStrip } from "../text/python-whitespace.js";
import { ConfigError } from "./config-error.js";

/**
 * RBAC_CONFIG, the role configuration rag-corp's API and worker share:
 *
 *   {"roles": {"<role>": {"permissions": ["admin:metrics", ...], "inherits_from": "<role>"}},
 *    "key_roles": {"<first 12 hex digits of SHA-256(key)>": "<role>"}}
 *
 * The worker asks one question of it: does the role of a presented key grant `admin:metrics`
 * (or `*`)? A role's permissions include those of the role it inherits from, and so on up the
 * chain; a cycle ends the chain instead of looping.
 *
 * Invalid JSON, or JSON of another shape, stops the worker with a ConfigError naming RBAC_CONFIG
 * (rag-corp's worker treats invalid JSON as no RBAC configuration at all). A typo then shows at
 * start-up, as one line, instead of as a Prometheus target that went down with 403s. The same
 * rule as API_KEYS_CONFIG's. The error never repeats the value.
 */
export interface RbacRole {
  readonly name: string;
  readonly permissions: readonly string[];
  readonly inheritsFrom: string | null;
}

export interface RbacKeyRole {
  /** First 12 hex digits (lower case) of the SHA-256 of the key's UTF-8 bytes. */
  readonly keyHash: string;
  readonly role: string;
}

/** Plain arrays, not Maps or classes: Config travels to the threads by structured clone. */
export interface RbacConfig {
  /** The roles RBAC_CONFIG defines; they replace built-in roles of the same name. */
  readonly roles: readonly RbacRole[];
  readonly keyRoles: readonly RbacKeyRole[];
}

export const METRICS_PERMISSION = "admin:metrics";
export const WILDCARD_PERMISSION = "*";

/**
 * rag-corp's built-in roles. Only `admin` grants anything the worker checks; `user`, `readonly`
 * and `ingest-only` grant API permissions the worker has no use for, so here they grant nothing.
 * A role of the same name in RBAC_CONFIG replaces the built-in one entirely.
 */
export const BUILT_IN_ROLES: readonly RbacRole[] = [
  { name: "admin", permissions: [WILDCARD_PERMISSION], inheritsFrom: null },
  { name: "user", permissions: [], inheritsFrom: null },
  { name: "readonly", permissions: [], inheritsFrom: null },
  { name: "ingest-only", permissions: [], inheritsFrom: null },
];

const KEY_HASH_LENGTH = 12;

/** The hash RBAC_CONFIG's key_roles is keyed by: the first 12 hex digits of SHA-256(key). */
export function rbacKeyHash(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, KEY_HASH_LENGTH);
}

const name = z.string().transform((value) => pythonStrip(value));

const schema = z.object({
  roles: z
    .record(
      z.string(),
      z.object({
        permissions: z.array(z.string()).nullish(),
        inherits_from: name.nullish(),
      }),
    )
    .nullish(),
  key_roles: z.record(z.string(), name).nullish(),
});

const EXPECTED_SHAPE =
  'a JSON object like {"roles":{"name":{"permissions":["admin:metrics"],"inherits_from":"name"}},"key_roles":{"<12 hex digits>":"name"}}';

/** Null when RBAC_CONFIG is unset or blank: no RBAC configuration. */
export function parseRbacConfig(raw: string | undefined): RbacConfig | null {
  if (raw === undefined || pythonStrip(raw) === "") return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError("RBAC_CONFIG", EXPECTED_SHAPE, "<unparseable JSON>");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ConfigError("RBAC_CONFIG", EXPECTED_SHAPE, "<invalid shape>");
  const roles = Object.entries(parsed.data.roles ?? {}).map(([roleName, role]): RbacRole => ({
    name: pythonStrip(roleName),
    permissions: (role.permissions ?? []).map(pythonStrip).filter((permission) => permission !== ""),
    inheritsFrom: role.inherits_from ? role.inherits_from : null,
  }));
  const keyRoles = Object.entries(parsed.data.key_roles ?? {}).map(([hash, role]): RbacKeyRole => {
    const keyHash = pythonStrip(hash).toLowerCase();
    if (!/^[0-9a-f]{12}$/.test(keyHash)) {
      // The entry may be a key pasted in place of its hash: not repeated.
      throw new ConfigError(
        "RBAC_CONFIG",
        "key_roles keyed by the first 12 hex digits of each key's SHA-256",
        "<a key_roles entry that is not 12 hex digits>",
      );
    }
    return { keyHash, role };
  });
  if (new Set(keyRoles.map((entry) => entry.keyHash)).size !== keyRoles.length) {
    throw new ConfigError(
      "RBAC_CONFIG",
      "each key hash once in key_roles (hex digits are compared in lower case)",
      "<a key hash listed twice>",
    );
  }
  return { roles, keyRoles };
}

function findRole(config: RbacConfig, roleName: string): RbacRole | undefined {
  return (
    config.roles.find((role) => role.name === roleName) ??
    BUILT_IN_ROLES.find((role) => role.name === roleName)
  );
}

/** Whether the role, or one it inherits from, has the permission or `*`. Cycle-safe. */
export function roleGrants(config: RbacConfig, roleName: string, permission: string): boolean {
  const visited = new Set<string>();
  let current: string | null = roleName;
  while (current !== null && !visited.has(current)) {
    visited.add(current);
    const role = findRole(config, current);
    if (!role) return false;
    if (role.permissions.includes(permission) || role.permissions.includes(WILDCARD_PERMISSION)) {
      return true;
    }
    current = role.inheritsFrom;
  }
  return false;
}

/**
 * The role key_roles gives the key hash, or undefined. Every entry is compared, in constant time,
 * like the keys of API_KEYS_CONFIG.
 */
export function roleOfKeyHash(config: RbacConfig, keyHash: string): string | undefined {
  const presented = Buffer.from(keyHash, "utf8");
  let found: string | undefined;
  for (const entry of config.keyRoles) {
    const expected = Buffer.from(entry.keyHash, "utf8");
    const matches = expected.length === presented.length && timingSafeEqual(expected, presented);
    if (matches) found = entry.role;
  }
  return found;
}
