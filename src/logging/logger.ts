import { pino, type DestinationStream, type Logger } from "pino";
import { describeError } from "./describe-error.js";

export type { Logger };

/** The `logger` field of every line (rag-corp writes its logger's name there). */
export const LOGGER_NAME = "ragworker";

/** What replaces the value of a field named like a secret (rag-corp's word for it). */
export const REDACTED = "***REDACTADO***";
/** What replaces a value nested deeper than MAX_DEPTH. */
export const TOO_DEEP = "***TRUNCADO***";
/** Longer strings in fields are cut to this many characters, and TRUNCATED_SUFFIX appended. */
export const MAX_STRING_LENGTH = 8000;
export const TRUNCATED_SUFFIX = "…(truncado)";
const MAX_DEPTH = 4;

/**
 * Field names whose values never reach a log line, compared lower-cased, in the field's own
 * spelling and in snake_case (so `apiKey` matches `api_key`), at any depth: rag-corp's list, plus
 * a few more a worker with S3 and HTTP credentials may meet.
 */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  "password",
  "passwd",
  "secret",
  "token",
  "authorization",
  "api_key",
  "apikey",
  "x-api-key",
  "access_token",
  "refresh_token",
  "private_key",
  "credential",
  "google_api_key",
  "s3_secret_key",
  "credentials",
  "secret_key",
  "secret_access_key",
  "client_secret",
  "cookie",
  "set-cookie",
]);

/** pino's level numbers as Python's level names, which rag-corp's lines carry. */
function pythonLevelName(level: number): string {
  if (level >= 60) return "CRITICAL";
  if (level >= 50) return "ERROR";
  if (level >= 40) return "WARNING";
  if (level >= 30) return "INFO";
  return "DEBUG";
}

/**
 * LOG_LEVEL, in any case: rag-corp's Python level names and pino's own, as the pino level to use.
 * Undefined for anything else.
 */
export function pinoLevelOf(name: string): string | undefined {
  return LEVEL_ALIASES.get(name.trim().toLowerCase());
}

const LEVEL_ALIASES: ReadonlyMap<string, string> = new Map([
  ["critical", "fatal"],
  ["fatal", "fatal"],
  ["error", "error"],
  ["warning", "warn"],
  ["warn", "warn"],
  ["info", "info"],
  ["debug", "debug"],
  ["trace", "trace"],
  ["silent", "silent"],
]);

/** What LOG_LEVEL accepts, as a configuration error says it. */
export const LOG_LEVEL_NAMES =
  "DEBUG, INFO, WARNING, ERROR or CRITICAL in any case (or pino's trace, warn, fatal, silent)";

const snakeCache = new Map<string, string>();

/** `jobId` → `job_id`, `HTTPPort` → `http_port`; names without capitals are left as they are. */
export function snakeCase(key: string): string {
  if (!/[A-Z]/.test(key)) return key;
  let snake = snakeCache.get(key);
  if (snake === undefined) {
    snake = key
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
      .toLowerCase();
    // Field names come from the code, so this stays small; the bound only guards against a caller
    // that makes keys out of data.
    if (snakeCache.size < 1000) snakeCache.set(key, snake);
  }
  return snake;
}

function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SECRET_KEYS.has(lower) || SECRET_KEYS.has(snakeCase(key));
}

/**
 * rag-corp's rules for a field's value: secret-named keys redacted, strings cut, bytes summarised,
 * nesting below MAX_DEPTH replaced. Errors anywhere become the `exception` shape.
 */
function sanitize(value: unknown, depth: number, key: string | undefined): unknown {
  if (key !== undefined && isSecretKey(key)) return REDACTED;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (typeof value === "string") {
    return value.length <= MAX_STRING_LENGTH ? value : value.slice(0, MAX_STRING_LENGTH) + TRUNCATED_SUFFIX;
  }
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Uint8Array) return `<bytes ${value.byteLength}B>`;
  if (Array.isArray(value)) return value.map((item: unknown) => sanitize(item, depth + 1, key));
  if (value instanceof Error) return sanitize(describeError(value), depth, undefined);
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) out[name] = sanitize(item, depth + 1, name);
  return out;
}

/** What was logged under `err`, in rag-corp's `exception` shape whatever its origin. */
function asException(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || value instanceof Error) return describeError(value);
  const { type, name, message, stacktrace, ...rest } = value as Record<string, unknown>;
  return {
    type: typeof type === "string" ? type : typeof name === "string" ? name : "Error",
    message: message === undefined ? null : String(message),
    stacktrace: Array.isArray(stacktrace) ? stacktrace : [],
    ...rest,
  };
}

/** A log call's fields or a child's bindings: snake_case names, `err` as `exception`, sanitized. */
function formatFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const value = fields[key];
    if (key === "err") {
      if (value !== undefined) out["exception"] = sanitize(asException(value), 0, undefined);
      continue;
    }
    const name = snakeCase(key);
    out[name] = sanitize(value, 0, name === key ? key : name);
  }
  return out;
}

/** `2024-05-01T12:00:00.123000+00:00`: rag-corp's UTC ISO-8601 with microseconds (ours are 000). */
function timestamp(): string {
  const iso = new Date().toISOString();
  return `,"timestamp":"${iso.slice(0, -1)}000+00:00"`;
}

/** LOG_JSON=false: rag-corp's `LEVEL message`, and the stack trace after it when there is one. */
function plainLine(json: string): string {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  let text = `${String(line["level"])} ${String(line["message"] ?? "")}\n`;
  const exception = line["exception"];
  if (typeof exception === "object" && exception !== null) {
    const stack = (exception as { stacktrace?: unknown }).stacktrace;
    if (Array.isArray(stack) && stack.length > 0) text += `${stack.map(String).join("\n")}\n`;
  }
  return text;
}

export interface LoggerOptions {
  /** LOG_JSON: JSON lines (true, the default) or `LEVEL message` lines. */
  readonly json?: boolean;
  /** Where lines go; stdout unless given (tests). */
  readonly destination?: DestinationStream;
}

/**
 * rag-corp's log lines on stdout: one JSON object per line with `level` (Python's names),
 * `timestamp`, `pid`, `logger`, `module` (from the bindings: the area of the code, such as
 * `supervisor` or `thread`), snake_case fields, `exception` for errors, and `message`. Secrets
 * are redacted and long strings cut as rag-corp does. Code that runs a job logs through
 * jobLogger's child, so a line written deep inside the pipeline still says which job, document
 * and request it is about.
 */
export function createLogger(
  level: string,
  bindings: Record<string, string | number> = {},
  options: LoggerOptions = {},
): Logger {
  const settings = {
    level: pinoLevelOf(level) ?? level,
    base: { pid: process.pid, logger: LOGGER_NAME, ...bindings },
    messageKey: "message",
    timestamp,
    formatters: {
      level: (_label: string, number: number) => ({ level: pythonLevelName(number) }),
      bindings: (fields: Record<string, unknown>) => formatFields(fields),
      log: (fields: Record<string, unknown>) => formatFields(fields),
    },
    ...(options.json === false ? { hooks: { streamWrite: plainLine } } : {}),
  };
  const logger = options.destination ? pino(settings, options.destination) : pino(settings);
  // pino formats only the root's bindings; children (made from this one, so inheriting this
  // method) get the same treatment here: snake_case names, secrets redacted.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, formatFields(bindings), childOptions);
  } as Logger["child"];
  return logger;
}
