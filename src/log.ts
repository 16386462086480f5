import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Structured logs for long-lived processes (server, proxy, supervisor). The CLI prints human
 * output instead and does not use this. Level from SLIPWAY_LOG_LEVEL (default "info").
 */
export function createLogger(name: string, destination?: string): Logger {
  const level = process.env.SLIPWAY_LOG_LEVEL ?? "info";
  return destination
    ? pino({ name, level }, pino.destination({ dest: destination, mkdir: true, sync: false }))
    : pino({ name, level });
}
