import { pino, type Logger } from "pino";
import { currentJobContext } from "./job-context.js";

export type { Logger };

/**
 * JSON lines on stdout. The mixin stamps the current job's ids on every line, so a line written
 * deep inside the pipeline still says which job and document it is about.
 */
export function createLogger(level: string, bindings: Record<string, string | number> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const context = currentJobContext();
      return context
        ? { jobId: context.jobId, documentId: context.documentId, requestId: context.requestId ?? null }
        : {};
    },
    redact: {
      paths: [
        "password",
        "*.password",
        "apiKey",
        "*.apiKey",
        "headers.authorization",
        'headers["x-api-key"]',
      ],
      censor: "***",
    },
  });
}
