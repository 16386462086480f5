import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DataPlaneKind } from "../core/traffic/index.js";

export type { DataPlaneKind };

// Apart from spawn.ts so the proxy process, which writes this file, does not load the admin
// client (undici) with it: a restarted proxy serves sooner the less it loads.

export const PROXY_INFO_FILE = "proxy.json";

/** Written by a running proxy once both listeners are bound (ports resolved when 0 was asked). */
export interface ProxyInfo {
  pid: number;
  /** Traffic listener, "host:port". */
  listen: string;
  /** Admin API URL for ProxyAdminClient: "http://host:port" or "unix:/path". */
  adminUrl: string;
  workers: number;
  /** Which data plane serves the traffic (absent in files written before there were two). */
  dataPlane?: DataPlaneKind;
  startedAt: string;
}

export function readProxyInfo(stateDir: string): ProxyInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, PROXY_INFO_FILE), "utf8")) as ProxyInfo;
  } catch {
    return undefined;
  }
}
