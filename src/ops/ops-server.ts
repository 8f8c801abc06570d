import type { Server } from "node:http";
import express, { type Request, type Response } from "express";
import type { ApiKeyEntry } from "../config/api-keys.js";
import type { RbacConfig } from "../config/rbac-config.js";
import type { Logger } from "../logging/logger.js";
import { adminRouter } from "./admin/admin-router.js";
import type { AdminSources } from "./admin/admin-sources.js";
import { authorizeMetrics, presentedKey } from "./api-key-auth.js";
import { checkReadiness, type ReadinessSources } from "./readiness.js";
import type { WorkerMetrics } from "./worker-metrics.js";

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: WorkerMetrics;
  readonly readiness: ReadinessSources;
  readonly requireAuth: boolean;
  readonly apiKeys: readonly ApiKeyEntry[];
  /** RBAC_CONFIG (config.rbac): keys whose role grants admin:metrics also read /metrics. */
  readonly rbac?: RbacConfig | null;
  readonly logger: Logger;
  /** What the operator web view (/admin) shows; without it, or without an admin key, /admin is off. */
  readonly admin?: AdminSources | null;
}

/**
 * What rag-corp's worker answers to a refused /metrics request (401 and 403 alike), byte for byte:
 * Python's `json.dumps` output, with its ", "/": " separators and non-ASCII escaped.
 */
export const METRICS_DENIED_BODY = '{"detail": "Acceso denegado para m\\u00e9tricas"}';

export function createOpsApp(options: OpsServerOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  const started = process.hrtime.bigint();
  // rag-corp's worker logs every ops request with this message and these fields.
  app.use((req: Request, _res: Response, next: () => void) => {
    options.logger.info({ client: req.socket.remoteAddress ?? null, path: req.path }, "Worker HTTP request");
    next();
  });

  app.get("/healthz", (_req: Request, res: Response) => {
    res.json({ ok: true, uptime_seconds: Math.round(Number(process.hrtime.bigint() - started) / 1e9) });
  });

  app.get("/readyz", async (_req: Request, res: Response) => {
    const readiness = await checkReadiness(options.readiness);
    res.status(readiness.ok ? 200 : 503).json(readiness);
  });

  app.get("/metrics", async (req: Request, res: Response) => {
    if (options.requireAuth) {
      const key = presentedKey(req.get("x-api-key"), req.get("authorization"));
      const decision = authorizeMetrics(key, options.apiKeys, options.rbac ?? null);
      if (decision !== "allowed") {
        res
          .status(decision === "missing" ? 401 : 403)
          .type("application/json")
          .send(METRICS_DENIED_BODY);
        return;
      }
    }
    const body = await options.metrics.registry.metrics();
    res.type(options.metrics.registry.contentType).send(body);
  });

  app.use(
    "/admin",
    adminRouter({ apiKeys: options.apiKeys, sources: options.admin ?? null, logger: options.logger }),
  );

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not found" });
  });
  return app;
}

/**
 * Starts the ops server. A port already taken is logged and the worker goes on processing jobs
 * without it: losing health checks is better than losing throughput.
 */
export function startOpsServer(options: OpsServerOptions): Promise<Server | null> {
  const app = createOpsApp(options);
  return new Promise((resolve) => {
    const server = app.listen(options.port, options.host);
    server.once("listening", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      options.logger.info({ host: options.host, port }, "ops server listening");
      resolve(server);
    });
    server.once("error", (error: NodeJS.ErrnoException) => {
      options.logger.error(
        { host: options.host, port: options.port, code: error.code, err: { message: error.message } },
        "ops server could not listen; /healthz, /readyz and /metrics are unavailable, jobs still run",
      );
      resolve(null);
    });
  });
}

export function closeOpsServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
