import { pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON lines on stdout. Code that runs a job logs through jobLogger's child, so a line written
 * deep inside the pipeline still says which job and document it is about.
 */
export function createLogger(level: string, bindings: Record<string, string | number> = {}): Logger {
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
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
