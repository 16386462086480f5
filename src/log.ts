import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Structured logs for long-lived processes (server, proxy, supervisor). The CLI prints human
 * output instead and does not use this. Level from SLIPWAY_LOG_LEVEL (default "info").
 */
export function createLogger(name: string, destination?: string): Logger {
  const level = process.env.SLIPWAY_LOG_LEVEL ?? "info";
  // A log file is state like any other under the data directory: the owner's only.
  return destination
    ? pino({ name, level }, pino.destination({ dest: destination, mkdir: true, sync: false, mode: 0o600 }))
    : pino({ name, level });
}
