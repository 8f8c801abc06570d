/**
 * The log line rag-corp's log queries expect: its keys, Python's level names, snake_case fields,
 * `exception`, redaction, cut strings, LOG_JSON=false and LOG_LEVEL in rag-corp's spellings.
 */
import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";
import { loadConfig } from "../../src/config/config.js";
import { ConfigError } from "../../src/errors/config-error.js";
import { PermanentError } from "../../src/errors/permanent-error.js";
import { describeError } from "../../src/logging/describe-error.js";
import { jobLogger } from "../../src/logging/job-logger.js";
import {
  createLogger,
  MAX_STRING_LENGTH,
  REDACTED,
  TOO_DEEP,
  TRUNCATED_SUFFIX,
  type Logger,
  type LoggerOptions,
} from "../../src/logging/logger.js";

type Line = Record<string, unknown>;

/** A logger writing into an array: raw text and parsed lines. */
function capture(
  level = "debug",
  bindings: Record<string, string | number> = { module: "test" },
  options: LoggerOptions = {},
): { logger: Logger; raw: string[]; lines: () => Line[] } {
  const raw: string[] = [];
  const logger = createLogger(level, bindings, {
    ...options,
    destination: {
      write(text: string) {
        raw.push(text);
      },
    },
  });
  return { logger, raw, lines: () => raw.map((text) => JSON.parse(text) as Line) };
}

function only(lines: Line[]): Line {
  assert.equal(lines.length, 1, JSON.stringify(lines));
  const [line] = lines;
  assert.ok(line);
  return line;
}

describe("log line keys (rag-corp's JSON formatter)", () => {
  it("timestamp, level, logger, message, module, pid; pino's own keys gone", () => {
    const { logger, raw, lines } = capture();
    logger.info("hello");
    const line = only(lines());
    assert.deepEqual(Object.keys(line).sort(), ["level", "logger", "message", "module", "pid", "timestamp"]);
    assert.equal(line["message"], "hello");
    assert.equal(line["level"], "INFO");
    assert.equal(line["logger"], "ragworker");
    assert.equal(line["module"], "test");
    assert.equal(line["pid"], process.pid);
    // UTC ISO-8601 with +00:00 and six fractional digits (milliseconds, then 000).
    assert.match(String(line["timestamp"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000\+00:00$/);
    const when = Date.parse(String(line["timestamp"]));
    assert.ok(Math.abs(Date.now() - when) < 5_000);
    // One compact JSON object per line.
    assert.equal(raw.length, 1);
    assert.ok(raw[0]?.endsWith("}\n") && !raw[0].slice(0, -1).includes("\n"));
  });

  it("level: Python's names, upper-case", () => {
    const { logger, lines } = capture("trace");
    logger.trace("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    logger.fatal("f");
    assert.deepEqual(
      lines().map((line) => line["level"]),
      ["DEBUG", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    );
  });

  it("fields in snake_case, from the log call and from child bindings; nested keys as given", () => {
    const { logger, lines } = capture();
    logger
      .child({ jobId: "7" })
      .info({ documentId: "d", chunksCreated: 3, durationSeconds: 0.5, stats: { byteCount: 1 } }, "m");
    const line = only(lines());
    assert.equal(line["job_id"], "7");
    assert.equal(line["document_id"], "d");
    assert.equal(line["chunks_created"], 3);
    assert.equal(line["duration_seconds"], 0.5);
    assert.deepEqual(line["stats"], { byteCount: 1 });
    for (const key of ["jobId", "documentId", "chunksCreated", "durationSeconds"]) assert.ok(!(key in line));
  });

  it("errors under `exception`: type, message, stacktrace lines, and ragworker's code", () => {
    const { logger, lines } = capture();
    const error = new PermanentError("UNSUPPORTED_TYPE", "no parser for image/png");
    logger.error({ err: describeError(error) }, "failed");
    logger.error({ err: { message: "connection reset" } }, "ad hoc");
    logger.error({ err: new TypeError("raw") }, "raw error");
    const [described, adHoc, rawError] = lines();
    const exception = described?.["exception"] as Line;
    assert.equal(exception["type"], "PermanentError");
    assert.equal(exception["message"], "no parser for image/png");
    assert.equal(exception["code"], "UNSUPPORTED_TYPE");
    assert.equal(exception["retryable"], false);
    const stack = exception["stacktrace"];
    assert.ok(Array.isArray(stack) && stack.length > 1 && stack.every((item) => typeof item === "string"));
    assert.match(String(stack[1]), /^\s+at /);
    assert.ok(!("err" in (described ?? {})));
    assert.deepEqual(adHoc?.["exception"], { type: "Error", message: "connection reset", stacktrace: [] });
    const rawException = rawError?.["exception"] as Line;
    assert.equal(rawException["type"], "TypeError");
    assert.equal(rawException["message"], "raw");
  });

  it("fields named like secrets are redacted, at any depth and in any spelling", () => {
    const { logger, raw, lines } = capture();
    logger.child({ token: "bound-secret" }).info(
      {
        password: "p1",
        apiKey: "k1",
        api_key: "k2",
        API_KEY: "k3",
        authorization: "Bearer x",
        secret: "s",
        googleApiKey: "g",
        s3_secret_key: "s3",
        refresh_token: "r",
        headers: { Authorization: "Bearer y", "x-api-key": "k4", accept: "text/plain" },
        list: [{ password: "p2" }],
        tokens: 12,
      },
      "with secrets",
    );
    const line = only(lines());
    for (const key of [
      "token",
      "password",
      "api_key",
      "authorization",
      "secret",
      "google_api_key",
      "s3_secret_key",
      "refresh_token",
    ]) {
      assert.equal(line[key], REDACTED, key);
    }
    assert.deepEqual(line["headers"], {
      Authorization: REDACTED,
      "x-api-key": REDACTED,
      accept: "text/plain",
    });
    assert.deepEqual(line["list"], [{ password: REDACTED }]);
    assert.equal(line["tokens"], 12);
    assert.equal(REDACTED, "***REDACTADO***");
    for (const secret of ["bound-secret", "p1", "p2", "k1", "k2", "k3", "k4", "Bearer", '"g"', 's3"']) {
      assert.ok(!raw[0]?.includes(secret), secret);
    }
  });

  it(`strings longer than ${MAX_STRING_LENGTH} characters are cut; deep nesting replaced`, () => {
    const { logger, lines } = capture();
    const exact = "a".repeat(MAX_STRING_LENGTH);
    logger.info(
      { long: "b".repeat(MAX_STRING_LENGTH + 1000), exact, nested: { text: "c".repeat(9000) } },
      "long",
    );
    logger.info({ deep: { a: { b: { c: { d: { e: 1 } } } } } }, "deep");
    const [long, deep] = lines();
    assert.equal(long?.["long"], "b".repeat(MAX_STRING_LENGTH) + TRUNCATED_SUFFIX);
    assert.equal(long?.["exact"], exact);
    assert.equal((long?.["nested"] as Line)["text"], "c".repeat(MAX_STRING_LENGTH) + TRUNCATED_SUFFIX);
    // rag-corp's depth: the field's value is 0, and anything below 4 is replaced.
    assert.deepEqual(deep?.["deep"], { a: { b: { c: { d: { e: TOO_DEEP } } } } });
  });

  it("bytes are summarised, not dumped", () => {
    const { logger, lines } = capture();
    logger.info({ body: Buffer.from("secret bytes") }, "bytes");
    assert.equal(only(lines())["body"], "<bytes 12B>");
  });
});

describe("LOG_JSON=false", () => {
  it("writes rag-corp's `LEVEL message` lines, the stack trace after an error", () => {
    const { logger, raw } = capture("debug", { module: "test" }, { json: false });
    logger.info({ jobId: "1" }, "Worker job iniciado");
    logger.warn("careful");
    logger.error({ err: describeError(new Error("boom")) }, "Worker job falló con excepción");
    assert.equal(raw[0], "INFO Worker job iniciado\n");
    assert.equal(raw[1], "WARNING careful\n");
    const lines = raw[2]?.split("\n") ?? [];
    assert.equal(lines[0], "ERROR Worker job falló con excepción");
    assert.equal(lines[1], "Error: boom");
    assert.match(lines[2] ?? "", /^\s+at /);
    assert.ok(raw[2]?.endsWith("\n"));
  });

  it("LOG_JSON reads as a boolean: true by default, 1/0, true/false, yes/no, on/off in any case", () => {
    assert.equal(loadConfig({}).logJson, true);
    for (const value of ["false", "FALSE", "0", "no", "No", "off", "OFF"]) {
      assert.equal(loadConfig({ LOG_JSON: value }).logJson, false, value);
    }
    for (const value of ["true", "True", "1", "yes", "YES", "on"]) {
      assert.equal(loadConfig({ LOG_JSON: value }).logJson, true, value);
    }
    assert.throws(() => loadConfig({ LOG_JSON: "maybe" }), ConfigError);
  });
});

describe("LOG_LEVEL", () => {
  it("takes rag-corp's Python level names and pino's, in any case", () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, "info"],
      ["DEBUG", "debug"],
      ["INFO", "info"],
      ["Info", "info"],
      ["WARNING", "warn"],
      ["warning", "warn"],
      ["ERROR", "error"],
      ["CRITICAL", "fatal"],
      ["critical", "fatal"],
      ["warn", "warn"],
      ["fatal", "fatal"],
      ["TRACE", "trace"],
      ["silent", "silent"],
    ];
    for (const [value, level] of cases) {
      assert.equal(loadConfig(value === undefined ? {} : { LOG_LEVEL: value }).logLevel, level, value);
    }
    let caught: unknown;
    try {
      loadConfig({ LOG_LEVEL: "verbose" });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigError && caught.variable === "LOG_LEVEL");
    assert.match(caught.message, /WARNING/);
  });

  it("WARNING lets warnings and worse through; CRITICAL only critical; INFO drops debug", () => {
    const written = (LOG_LEVEL: string) => {
      const { logger, lines } = capture(loadConfig({ LOG_LEVEL }).logLevel);
      logger.debug("d");
      logger.info("i");
      logger.warn("w");
      logger.error("e");
      logger.fatal("f");
      return lines().map((line) => line["level"]);
    };
    assert.deepEqual(written("WARNING"), ["WARNING", "ERROR", "CRITICAL"]);
    assert.deepEqual(written("CRITICAL"), ["CRITICAL"]);
    assert.deepEqual(written("INFO"), ["INFO", "WARNING", "ERROR", "CRITICAL"]);
    assert.deepEqual(written("debug"), ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);
  });

  it("createLogger itself accepts the Python names", () => {
    const { logger, lines } = capture("WARNING");
    logger.info("i");
    logger.warn("w");
    assert.deepEqual(
      lines().map((line) => line["message"]),
      ["w"],
    );
  });
});

describe("jobLogger", () => {
  it("binds job_id, document_id, workspace_id and request_id", () => {
    const { logger, lines } = capture();
    jobLogger(logger, { jobId: "42", documentId: "doc", workspaceId: "ws", requestId: "req" }).info("x");
    const line = only(lines());
    assert.equal(line["job_id"], "42");
    assert.equal(line["document_id"], "doc");
    assert.equal(line["workspace_id"], "ws");
    assert.equal(line["request_id"], "req");
  });

  it("request_id is the job id when the job carries none, as in rag-corp", () => {
    const { logger, lines } = capture();
    jobLogger(logger, { jobId: "43", documentId: undefined, workspaceId: 7, requestId: undefined }).info("x");
    const line = only(lines());
    assert.equal(line["request_id"], "43");
    assert.equal(line["document_id"], null);
    assert.equal(line["workspace_id"], "7");
  });
});
