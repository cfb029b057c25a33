/**
 * The last line of defence of a long-running process. An exception no handler caught, or a
 * rejection nobody handled, would otherwise end the process and with it every connection and
 * job in flight — a crash any client able to trigger the defect could repeat at will. Each is
 * logged as an error (a defect to fix where it arises) and the process keeps serving.
 */
import type { Logger } from "../logger.js";

/**
 * Installs the handlers on `process`. Call once start-up is over: a failure while starting
 * must still end the process.
 */
export function installProcessGuards(logger: Logger): void {
  process.on("uncaughtException", (err, origin) => {
    logger.error({ err, origin }, "uncaught exception; the process keeps running");
  });
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: reason }, "unhandled promise rejection; the process keeps running");
  });
}
