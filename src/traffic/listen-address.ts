import { SlipwayError } from "../core/errors.js";

export type ListenAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

/**
 * "HOST:PORT", ":PORT", "[::1]:PORT", or a unix socket path (anything containing "/" or starting
 * with "unix:"). Port 0 picks a free port; the bound one is reported in `<state-dir>/proxy.json`.
 */
export function parseListenAddress(value: string): ListenAddress {
  if (value.startsWith("unix:"))
    return { kind: "unix", path: value.slice("unix:".length).replace(/^\/\/(?=\/)/, "") };
  if (value.includes("/")) return { kind: "unix", path: value };
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `"${value}" is not HOST:PORT or a unix socket path`);
  }
  return { kind: "tcp", host: match[1] ?? (match[2] || "127.0.0.1"), port };
}

export function formatListenAddress(address: ListenAddress): string {
  if (address.kind === "unix") return address.path;
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** A listen failure as one clear line (EADDRINUSE, EACCES...) instead of a stack trace. */
export function listenError(flag: string, address: ListenAddress, error: unknown): SlipwayError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  const why =
    code === "EADDRINUSE"
      ? "address already in use"
      : code === "EACCES"
        ? "permission denied"
        : "cannot listen";
  return new SlipwayError(
    "SLIPWAY_INVALID_ARGUMENT",
    `${flag} ${formatListenAddress(address)}: ${why} (${code})`,
  );
}
