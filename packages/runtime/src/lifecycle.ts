import type { Logger } from "@wallet/logger";

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Starts a service and stops it on the first SIGTERM or SIGINT. Stopping has a hard bound: if
 * it has not finished `graceMs` plus a margin later, the process exits anyway with code 1, so an
 * orchestrator never waits on a stuck shutdown. A failed start exits with code 1.
 */
export function runUntilSignal(
  logger: Logger,
  start: () => Promise<Stoppable>,
  graceMs: number,
): void {
  let app: Stoppable | undefined;
  let stopping = false;

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const hardExit = setTimeout(() => {
      logger.error({ graceMs }, "shutdown took too long, exiting");
      process.exit(1);
    }, graceMs + 5_000);
    hardExit.unref();
    void (app?.stop() ?? Promise.resolve()).then(
      () => {
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };

  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  process.on("unhandledRejection", (err) => {
    logger.error({ err }, "unhandled rejection");
  });

  start().then(
    (started) => {
      app = started;
      if (stopping) void started.stop().then(() => process.exit(0));
    },
    (err: unknown) => {
      logger.fatal({ err }, "failed to start");
      process.exit(1);
    },
  );
}
