import type { Logger } from "../logging/logger.js";
import { describeError } from "../logging/describe-error.js";
import type { Supervisor } from "./supervisor.js";

/**
 * First SIGTERM/SIGINT: drain (finish running jobs, hand back what is left at the deadline) and
 * exit 0. A second signal stops waiting: running jobs go back to the queue now, then exit.
 */
export function installSignalHandlers(
  supervisor: Supervisor,
  logger: Logger,
  exit: (code: number) => void,
): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      logger.info({ signal }, "signal received; draining");
      supervisor.stop(signal).then(
        () => exit(0),
        (error: unknown) => {
          logger.fatal({ err: describeError(error) }, "drain failed");
          exit(1);
        },
      );
    } else {
      logger.warn({ signal }, "second signal; handing running jobs back to the queue now");
      supervisor.hurry();
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: describeError(reason) }, "unhandled promise rejection");
  });
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: describeError(error) }, "uncaught exception; draining and exiting");
    supervisor.stop("uncaughtException").finally(() => exit(1));
  });
}
