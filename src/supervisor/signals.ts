import { describeError } from "../logging/describe-error.js";
import type { Logger } from "../logging/logger.js";
import type { Shutdown } from "./shutdown.js";

export interface SignalHandlers {
  /** Drains the running worker; undefined while it is still starting. */
  readonly drain: () => Promise<void> | undefined;
  readonly exit: (code: number) => void;
}

/**
 * Installed before any start-up work, so no signal meets Node's default action. First
 * SIGTERM/SIGINT: during start-up it stops the start-up (the caller exits once it has unwound);
 * once running it drains and exits 0, or 1 when something failed to close. A second signal hands
 * running jobs back now. An uncaught exception drains too, then exits 1.
 */
export function installSignalHandlers(shutdown: Shutdown, logger: Logger, handlers: SignalHandlers): void {
  const drainThenExit = (code: number) => {
    const draining = handlers.drain();
    if (!draining) return;
    draining.then(
      () => handlers.exit(code),
      (error: unknown) => {
        logger.fatal({ err: describeError(error) }, "drain failed");
        handlers.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    switch (shutdown.phase) {
      case "starting":
        logger.info({ signal }, "signal received during start-up; stopping");
        shutdown.begin(signal);
        return;
      case "running":
        logger.info({ signal }, "signal received; draining");
        shutdown.begin(signal);
        drainThenExit(0);
        return;
      default:
        logger.warn({ signal }, "second signal; handing running jobs back to the queue now");
        shutdown.hurry();
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: describeError(reason) }, "unhandled promise rejection");
  });
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: describeError(error) }, "uncaught exception; draining and exiting");
    const running = shutdown.phase === "running";
    shutdown.begin("uncaughtException");
    if (running) drainThenExit(1);
    else if (shutdown.phase === "stopped") handlers.exit(1);
  });
}
