import type { Config } from "../config/config.js";
import { createLogger } from "../logging/logger.js";
import { describeError } from "../logging/describe-error.js";
import { StartupError } from "../errors/startup-error.js";
import { installSignalHandlers } from "../supervisor/signals.js";
import { startSupervisor } from "../supervisor/supervisor.js";
import { exitWithError } from "./exit-with-error.js";

export async function startCommand(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, { module: "supervisor" }, { json: config.logJson });
  try {
    const supervisor = await startSupervisor(config, logger);
    installSignalHandlers(supervisor, logger, (code) => {
      // pino writes asynchronously: exit only once the last lines (the drain's) are out.
      logger.flush(() => process.exit(code));
    });
  } catch (error) {
    if (error instanceof StartupError) exitWithError(error.message);
    logger.fatal({ err: describeError(error) }, "worker failed to start");
    exitWithError(`worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
}
