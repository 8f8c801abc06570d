import type { Config } from "../config/config.js";
import { StartupError } from "../errors/startup-error.js";
import { describeError } from "../logging/describe-error.js";
import { createLogger } from "../logging/logger.js";
import { installSignalHandlers } from "../supervisor/signals.js";
import { FORCE_CLOSE_GRACE_MS, HAND_BACK_GRACE_MS, Shutdown } from "../supervisor/shutdown.js";
import { startSupervisor, type Supervisor } from "../supervisor/supervisor.js";
import { exitWithError } from "./exit-with-error.js";
import { startTracing, tracesUrl } from "../telemetry/tracing.js";

export async function startCommand(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, { module: "supervisor" }, { json: config.logJson });
  // Before the supervisor: its job spans need the tracer (the threads start their own).
  const tracing = startTracing(config.telemetry, logger, { "ragworker.role": "supervisor" });
  if (tracing) {
    logger.info(
      { traces_url: tracesUrl(config.telemetry), service_name: config.telemetry.serviceName },
      "tracing on: each job's spans are exported over OTLP/HTTP",
    );
  }
  // pino writes asynchronously: exit only once the last lines (the drain's) are out, after the
  // last spans (their export is bounded: a dead collector does not hold the exit).
  const exit = (code: number) => {
    void (tracing?.shutdown() ?? Promise.resolve()).then(() => logger.flush(() => process.exit(code)));
  };
  const shutdown = new Shutdown({
    drainTimeoutMs: config.drainTimeoutMs,
    handBackGraceMs: HAND_BACK_GRACE_MS,
    forceCloseGraceMs: FORCE_CLOSE_GRACE_MS,
  });
  let supervisor: Supervisor | undefined;
  // Before any start-up work: a SIGTERM during the checks or a model download stops them cleanly.
  installSignalHandlers(shutdown, logger, { drain: () => supervisor?.stop(shutdown.cause), exit });
  try {
    supervisor = await startSupervisor(config, logger, shutdown);
  } catch (error) {
    if (shutdown.startup.aborted) {
      logger.info({ reason: shutdown.cause }, "worker stopped during start-up");
      exit(0);
      return;
    }
    if (error instanceof StartupError) exitWithError(error.message);
    logger.fatal({ err: describeError(error) }, "worker failed to start");
    exitWithError(`worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
}
