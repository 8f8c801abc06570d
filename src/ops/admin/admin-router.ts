import { randomBytes } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import type { ApiKeyEntry } from "../../config/api-keys.js";
import { describeError } from "../../logging/describe-error.js";
import type { Logger } from "../../logging/logger.js";
import { adminConfigured, requireAdminKey } from "./admin-auth.js";
import type { AdminSources } from "./admin-sources.js";
import { bullBoardRouter } from "./bull-board.js";
import { retryFailedJob, type RetryOutcome } from "./failed-jobs.js";
import { RetriedJobs } from "./retried-jobs.js";
import { requireSameOrigin } from "./same-origin.js";
import { renderWorkerPanel } from "./worker-panel.js";
import { renderWorkerPage } from "./worker-page.js";
import { readWorkerStatus } from "./worker-status.js";

export interface AdminRouterOptions {
  readonly apiKeys: readonly ApiKeyEntry[];
  /** null where the ops app runs without a supervisor behind it (tests of /metrics, say). */
  readonly sources: AdminSources | null;
  readonly logger: Logger;
}

export const ADMIN_OFF_MESSAGE =
  "ragworker admin is off: give a key of API_KEYS_CONFIG the admin scope to turn it on\n";

const RETRY_NOTICES: Readonly<Record<RetryOutcome, string>> = {
  retried: "was sent back to the queue",
  "not-found": "is no longer in the queue (removed, or trimmed after a week)",
  "not-failed": "is not failed any more (retried already?)",
};

/**
 * /admin: the worker page (/admin/worker, its panel and JSON) and Bull Board (/admin/queues),
 * behind an API key with the admin scope (admin-auth.ts) and, for what changes anything, the
 * same-origin guard. Off (404, saying how to turn it on) while no key has the admin scope.
 */
export function adminRouter(options: AdminRouterOptions): Router {
  const router = express.Router();
  const { sources, logger } = options;
  const retried = new RetriedJobs();
  if (sources === null || !adminConfigured(options.apiKeys)) {
    router.use((_req: Request, res: Response) => {
      res.status(404).type("text/plain").send(ADMIN_OFF_MESSAGE);
    });
    return router;
  }
  router.use(requireAdminKey(options.apiKeys));
  router.use(requireSameOrigin());
  router.use((_req: Request, res: Response, next: () => void) => {
    // Operator pages are never cached, and never framed (a framed Retry button could be clicked for you).
    res.set({ "cache-control": "no-store", "x-frame-options": "DENY" });
    next();
  });

  const unavailable = (res: Response, what: string, error: unknown): void => {
    logger.error({ err: describeError(error) }, `admin: ${what} failed`);
    const reason = error instanceof Error ? error.message : String(error);
    res.status(503).type("text/plain").send(`ragworker admin: ${what} failed: ${reason}\n`);
  };

  router.get("/", (_req: Request, res: Response) => res.redirect(303, "/admin/worker"));

  router.get("/worker", async (req: Request, res: Response) => {
    try {
      const status = await readWorkerStatus(sources, retried);
      const nonce = randomBytes(16).toString("base64");
      res.set(
        "content-security-policy",
        `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-ancestors 'none'; form-action 'self'`,
      );
      res.type("html").send(renderWorkerPage(status, nonce, retryNotice(req)).text);
    } catch (error) {
      unavailable(res, "reading the worker's status", error);
    }
  });

  router.get("/worker/panel", async (_req: Request, res: Response) => {
    try {
      res.type("html").send(renderWorkerPanel(await readWorkerStatus(sources, retried)).text);
    } catch (error) {
      unavailable(res, "reading the worker's status", error);
    }
  });

  router.get("/worker/status", async (_req: Request, res: Response) => {
    try {
      res.json(await readWorkerStatus(sources, retried));
    } catch (error) {
      unavailable(res, "reading the worker's status", error);
    }
  });

  router.post("/worker/failures/:jobId/retry", async (req: Request, res: Response) => {
    const jobId = String(req.params["jobId"]);
    try {
      const outcome = await retryFailedJob(sources.queue, jobId);
      logger.info({ job_id: jobId, outcome }, "admin: retry of a failed job");
      if (outcome === "retried") retried.record(jobId);
      const query = new URLSearchParams({ job: jobId, outcome });
      res.redirect(303, `/admin/worker?${query.toString()}`);
    } catch (error) {
      unavailable(res, `retrying job ${jobId}`, error);
    }
  });

  router.use("/queues", bullBoardRouter(sources.queue));
  return router;
}

function retryNotice(req: Request): string | null {
  const { job, outcome } = req.query;
  if (typeof job !== "string" || typeof outcome !== "string") return null;
  const notice = Object.entries(RETRY_NOTICES).find(([known]) => known === outcome)?.[1];
  return notice === undefined ? null : `Job ${job} ${notice}.`;
}
