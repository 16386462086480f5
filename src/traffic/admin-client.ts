import { Agent, request, type Dispatcher } from "undici";
import { SlipwayError } from "../core/errors.js";
import type { RevisionStats, RouteTable } from "../core/traffic/index.js";
import type { DataPlaneAdmin } from "./port.js";

export { spawnProxy, type SpawnedProxy, type SpawnProxyOptions } from "./spawn.js";

export interface ProxyHealth {
  ok: boolean;
  generation: number;
  /**
   * The newest generation whose routes.json is fsynced (survives an OS crash); a 200 to a PUT
   * means installed and written, and this follows within an fsync (admin-server.ts).
   */
  durableGeneration?: number;
  /** The traffic listener's bound address, "host:port" (useful when started with port 0). */
  listen?: string;
}

/**
 * Client of `slipway proxy`'s admin API, used by the rollout controller.
 *
 * @example
 * const proxy = new ProxyAdminClient({ url: "http://127.0.0.1:8081", token });
 * await proxy.applyRoutes({ generation: 7, routes: [...] });
 *
 * `url` is `http://HOST:PORT`, or a unix socket as `unix:/path/admin.sock` (or just the path).
 * Unreachable → SlipwayError SLIPWAY_UNAVAILABLE; invalid table → SLIPWAY_INVALID_ARGUMENT;
 * stale generation → SLIPWAY_CONFLICT.
 */
export class ProxyAdminClient implements DataPlaneAdmin {
  private readonly origin: string;
  private readonly dispatcher: Dispatcher;
  private readonly token: string;
  private readonly where: string;

  constructor(opts: { url: string; token: string; timeoutMs?: number }) {
    const timeout = opts.timeoutMs ?? 15_000;
    const socketPath = opts.url.startsWith("unix:")
      ? opts.url.slice("unix:".length).replace(/^\/\/(?=\/)/, "")
      : opts.url.startsWith("/")
        ? opts.url
        : undefined;
    this.token = opts.token;
    this.where = opts.url;
    this.origin = socketPath ? "http://localhost" : opts.url.replace(/\/+$/, "");
    this.dispatcher = new Agent({
      connect: socketPath ? { socketPath, timeout } : { timeout },
      headersTimeout: timeout,
      bodyTimeout: timeout,
      keepAliveTimeout: 2_000,
    });
  }

  async applyRoutes(table: RouteTable): Promise<{ generation: number }> {
    return this.call<{ generation: number }>("PUT", "/v1/routes", table);
  }

  async routes(): Promise<RouteTable> {
    return this.call<RouteTable>("GET", "/v1/routes");
  }

  async stats(): Promise<RevisionStats[]> {
    return (await this.call<{ revisions: RevisionStats[] }>("GET", "/v1/stats")).revisions;
  }

  async health(): Promise<ProxyHealth> {
    return this.call<ProxyHealth>("GET", "/v1/health");
  }

  /** Prometheus text exposition of the proxy's per-revision metrics. */
  async metrics(): Promise<string> {
    return this.call<string>("GET", "/metrics", undefined, "text");
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async call<T>(
    method: "GET" | "PUT",
    path: string,
    body?: unknown,
    as: "json" | "text" = "json",
  ): Promise<T> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.origin}${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new SlipwayError(
        "SLIPWAY_UNAVAILABLE",
        `the proxy admin API at ${this.where} is unreachable (${cause})`,
      );
    }
    const text = await response.body.text();
    if (response.statusCode === 200) return (as === "text" ? text : JSON.parse(text)) as T;
    const reason = errorText(text);
    switch (response.statusCode) {
      case 400:
        throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", `the proxy refused the route table: ${reason}`);
      case 401:
        throw new SlipwayError("SLIPWAY_UNAVAILABLE", `the proxy at ${this.where} refused the admin token`);
      case 409:
        throw new SlipwayError("SLIPWAY_CONFLICT", `the proxy refused a stale route table: ${reason}`);
      default:
        throw new SlipwayError(
          "SLIPWAY_UNAVAILABLE",
          `the proxy admin API answered ${response.statusCode} to ${method} ${path}: ${reason}`,
        );
    }
  }
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}
