import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiKeyEntry } from "../config/api-keys.js";

export type AuthDecision = "allowed" | "missing" | "forbidden";

const sha256 = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Compares the presented key with every configured key, by SHA-256 digest and in constant time,
 * without stopping at the first match: timing tells nothing about which key, or how much of it,
 * matched. No configured key means nothing is allowed (fail safe).
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
    granted = (matches && key.scopes.includes(scope)) || granted;
  }
  return granted ? "allowed" : "forbidden";
}
