import { pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON logger for the whole process. Credentials never reach the log: headers that carry them
 * are redacted wherever a request object is logged.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "boards-server" },
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "headers.authorization",
        "headers.cookie",
        "*.token",
        "*.password",
        "*.secret",
      ],
      censor: "[redacted]",
    },
  });
}
