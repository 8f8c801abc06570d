import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { ApiKeyEntry } from "../../config/api-keys.js";
import { pythonStrip } from "../../text/python-whitespace.js";
import { authorize, presentedKey } from "../api-key-auth.js";

/** The scope of API_KEYS_CONFIG that opens /admin; a key with `*` gets in too once it is on. */
export const ADMIN_SCOPE = "admin";

const REALM_CHALLENGE = 'Basic realm="ragworker admin", charset="UTF-8"';

/**
 * The operator web view is on only when some key lists the `admin` scope by name: a deployment
 * whose keys were written for /metrics (`*` included) does not open a page that can retry jobs
 * just by upgrading.
 */
export function adminConfigured(keys: readonly ApiKeyEntry[]): boolean {
  return keys.some((key) => key.scopes.includes(ADMIN_SCOPE));
}

/**
 * The key of `Authorization: Basic`: its password (what a browser's login prompt sends), or the
 * user name when the password is empty (`curl -u KEY:`). Undefined for other schemes or bad base64.
 */
export function basicAuthKey(authorization: string | undefined): string | undefined {
  const basic = /^basic[ \t]+([A-Za-z0-9+/=]+)$/i.exec(pythonStrip(authorization ?? ""));
  if (!basic?.[1]) return undefined;
  const decoded = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const password = pythonStrip(decoded.slice(colon + 1));
  const user = pythonStrip(decoded.slice(0, colon));
  const key = password !== "" ? password : user;
  return key === "" ? undefined : key;
}

/**
 * HTTP basic auth whose password is an API key with the admin scope, or the key as /metrics takes
 * it (X-API-Key, Authorization: Bearer) for scripts. Basic auth needs no session store and no
 * cookie secret, and works the same on every replica: the browser keeps the key and sends it with
 * each request. A missing key, or a wrong one sent by a browser's prompt, is a 401 with the
 * challenge (the browser asks again); a wrong key sent as a header is a 403. Keys are compared as
 * for /metrics: by SHA-256, in constant time.
 */
export function requireAdminKey(keys: readonly ApiKeyEntry[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const fromBasic = basicAuthKey(req.get("authorization"));
    const key = fromBasic ?? presentedKey(req.get("x-api-key"), req.get("authorization"));
    const decision = authorize(key, keys, ADMIN_SCOPE);
    if (decision === "allowed") {
      next();
      return;
    }
    // No cache may keep a refusal or a page for another key.
    res.set("cache-control", "no-store");
    if (decision === "missing" || fromBasic !== undefined) {
      res.status(401).set("www-authenticate", REALM_CHALLENGE).type("text/plain");
      res.send("ragworker admin: log in with an API key that has the admin scope (as the password)\n");
      return;
    }
    res.status(403).type("text/plain").send("ragworker admin: this key does not have the admin scope\n");
  };
}
