import { chmodSync, rmSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { SlipwayError } from "../core/errors.js";
import type { Logger } from "../log.js";
import { isAuthorized } from "./admin-token.js";
import { listenError, parseListenAddress, type ListenAddress } from "./listen-address.js";
import { isLoopbackHost, type RevisionStats, type RouteTable } from "../core/traffic/index.js";
import { parseRouteTable } from "./route-table-schema.js";
import { syncRoutes, writeRoutes } from "./route-store.js";

/** What the admin API drives: the data plane in this process, or the workers behind a cluster primary. */
export interface ProxyControl {
  current(): RouteTable;
  /** Installs the table everywhere requests are routed; resolves once every worker routes with it. */
  apply(table: RouteTable): Promise<void>;
  stats(): Promise<RevisionStats[]>;
  metrics(): Promise<string>;
  /** The traffic listener's bound address, "host:port". */
  listenAddress(): string;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** An admin API on a non-loopback address needs a token at least this long (a generated one has 64). */
export const MIN_REMOTE_TOKEN_LENGTH = 32;

/**
 * The authenticated admin API (loopback, unix socket, or another host's address for a data plane
 * driven over the network). Table updates are serialised, validated,
 * refused when stale (409), persisted, installed, and only then acknowledged, so a 200 means
 * "every new request from now on follows this table, and a restart keeps it".
 */
export function createAdminServer(opts: {
  token: string;
  stateDir: string;
  control: ProxyControl;
  log: Logger;
}) {
  const { token, stateDir, control, log } = opts;
  let queue: Promise<unknown> = Promise.resolve();
  let durableGeneration = 0;
  /**
   * routes.json is written (temp + rename) before the answer, and fsynced right after it, off the
   * acknowledgement: the fsync costs 10-20 ms on a VM, and the switch itself is immediate. Writes
   * and fsyncs take turns in `queue`, so an fsync never covers a rename it did not see, and
   * `durableGeneration` (GET /v1/health) only names a generation whose file and rename are synced.
   */
  const syncAfter = async (generation: number): Promise<void> => {
    try {
      await syncRoutes(stateDir);
      durableGeneration = Math.max(durableGeneration, generation);
    } catch (error) {
      log.error({ error: (error as Error).message, generation }, "could not fsync the route table");
    }
  };

  // The table loaded at start may come from a previous process that died before its fsync.
  const loaded = control.current().generation;
  if (loaded > 0) queue = syncAfter(loaded);

  const applySerially = (table: RouteTable): Promise<{ status: number; body: unknown }> => {
    const next = queue.then(async () => {
      const current = control.current();
      if (table.generation < current.generation) {
        return {
          status: 409,
          body: {
            error: `generation ${table.generation} is older than the current ${current.generation}`,
            generation: current.generation,
          },
        };
      }
      // Routing switches at once while the file is written; the answer waits for both, so a 200
      // means "installed, and kept by a restart of this process" (a failed write answers 500 and
      // the writer retries). Kept across an OS crash once durableGeneration reaches it (syncAfter).
      await Promise.all([control.apply(table), writeRoutes(stateDir, table)]);
      log.info({ generation: table.generation, routes: table.routes.length }, "route table installed");
      return { status: 200, body: { generation: table.generation } };
    });
    // The answer goes out with `next`; the queue (the next table) waits for the fsync too.
    queue = next.then(
      (outcome) => (outcome.status === 200 ? syncAfter(table.generation) : undefined),
      () => undefined,
    );
    return next;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isAuthorized(req.headers.authorization, token)) {
      return send(res, 401, { error: "missing or wrong bearer token" });
    }
    const path = (req.url ?? "/").split("?")[0];
    switch (`${req.method} ${path}`) {
      case "GET /v1/health":
        return send(res, 200, {
          ok: true,
          generation: control.current().generation,
          durableGeneration,
          listen: control.listenAddress(),
        });
      case "GET /v1/routes":
        return send(res, 200, control.current());
      case "GET /v1/stats":
        return send(res, 200, { revisions: await control.stats() });
      case "GET /metrics": {
        const text = await control.metrics();
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
        res.end(text);
        return;
      }
      case "PUT /v1/routes": {
        let value: unknown;
        try {
          value = JSON.parse(await readBody(req));
        } catch (error) {
          return send(res, 400, { error: `body is not JSON: ${(error as Error).message}` });
        }
        const parsed = parseRouteTable(value);
        if (!parsed.ok) return send(res, 400, { error: parsed.error });
        const outcome = await applySerially(parsed.table);
        return send(res, outcome.status, outcome.body);
      }
      default: {
        const known = ["/v1/health", "/v1/routes", "/v1/stats", "/metrics"].includes(path ?? "");
        return send(res, known ? 405 : 404, {
          error: known ? `${req.method} not allowed on ${path}` : `no such endpoint ${path}`,
        });
      }
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error }, "admin request failed");
      if (!res.headersSent) send(res, 500, { error: (error as Error).message });
      else res.destroy();
    });
  });

  return {
    server,
    listen(address: string): Promise<ListenAddress> {
      const target = parseListenAddress(address);
      // Reachable from other hosts (a data plane the leader drives over the network): the bearer
      // token is all that guards the routes, so a guessable one (SLIPWAY_PROXY_TOKEN=dev) is refused.
      if (target.kind === "tcp" && !isLoopbackHost(target.host) && token.length < MIN_REMOTE_TOKEN_LENGTH) {
        return Promise.reject(
          new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            `--admin ${address} is reachable from other hosts: its admin token must have at least ${MIN_REMOTE_TOKEN_LENGTH} characters (SLIPWAY_PROXY_TOKEN, or leave it unset for a generated one)`,
          ),
        );
      }
      return new Promise((resolve, reject) => {
        const failed = (error: Error) => reject(listenError("--admin", target, error));
        server.once("error", failed);
        const done = () => {
          server.off("error", failed);
          if (target.kind === "unix") chmodSync(target.path, 0o600);
          const bound = server.address();
          resolve(
            target.kind === "tcp" && bound && typeof bound === "object"
              ? { ...target, port: bound.port }
              : target,
          );
        };
        if (target.kind === "unix") {
          // A socket file left by a killed proxy would make listen fail with EADDRINUSE.
          rmSync(target.path, { force: true });
          server.listen(target.path, done);
        } else server.listen(target.port, target.host, done);
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
