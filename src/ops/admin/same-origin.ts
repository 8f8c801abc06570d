import type { NextFunction, Request, RequestHandler, Response } from "express";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for every request that changes something under /admin (the
 * worker page's Retry, Bull Board's own actions). A browser sends the basic-auth key with any
 * request to the ops server, a forged one from another site included; such a request is told
 * apart by the headers the browser sets and a page cannot: `Sec-Fetch-Site` (same-origin for the
 * page's own forms and fetches), or, from a browser without it, `Origin` naming this host. A
 * request with neither is refused too: scripts add `Origin: http://<host>:<port>`.
 */
export function requireSameOrigin(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || isSameOrigin(req)) {
      next();
      return;
    }
    res
      .status(403)
      .type("text/plain")
      .send("ragworker admin: refused a cross-site request (Sec-Fetch-Site or Origin must be this server)\n");
  };
}

function isSameOrigin(req: Request): boolean {
  const fetchSite = req.get("sec-fetch-site");
  if (fetchSite !== undefined) return fetchSite === "same-origin";
  const origin = req.get("origin");
  const host = req.get("host");
  if (origin === undefined || host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
