import { z } from "zod";
import { pythonStrip } from "../text/python-whitespace.js";
import { ConfigError } from "./config-error.js";

/** One configured key: either the key itself or the hex SHA-256 of it (`sha256:<hex>`). */
export interface ApiKeyEntry {
  readonly kind: "plain" | "sha256";
  readonly value: string;
  readonly scopes: readonly string[];
}

const schema = z.record(z.string().min(1), z.array(z.string().min(1)));

/**
 * Same format as the RQ worker's API_KEYS_CONFIG: `{"key": ["scope", ...]}`, keys and scopes
 * stripped of surrounding whitespace as it does (Python's `str.strip`). Scope `*` grants every
 * scope. Unlike the RQ worker, which ignores an invalid value, a value that is not such an object
 * stops the worker with a ConfigError naming API_KEYS_CONFIG.
 */
export function parseApiKeys(raw: string | undefined): ApiKeyEntry[] {
  if (raw === undefined || raw.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    // Never echo the raw value: it holds secrets.
    throw new ConfigError("API_KEYS_CONFIG", 'a JSON object like {"key":["metrics"]}', "<unparseable JSON>");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      "API_KEYS_CONFIG",
      "a JSON object mapping each key to a list of scopes",
      "<invalid shape>",
    );
  }
  return Object.entries(parsed.data).map(([rawKey, rawScopes]) => {
    const key = pythonStrip(rawKey);
    if (key === "") {
      throw new ConfigError("API_KEYS_CONFIG", "keys that are not blank", "<a blank key>");
    }
    const scopes = rawScopes.map(pythonStrip).filter((scope) => scope !== "");
    const hashed = /^sha256:([0-9a-fA-F]{64})$/.exec(key);
    if (key.startsWith("sha256:") && !hashed) {
      throw new ConfigError("API_KEYS_CONFIG", "sha256: followed by 64 hex digits", "<malformed sha256 key>");
    }
    return hashed?.[1]
      ? { kind: "sha256" as const, value: hashed[1].toLowerCase(), scopes }
      : { kind: "plain" as const, value: key, scopes };
  });
}
