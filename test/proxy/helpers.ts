import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { ProxyAdminClient } from "../../src/proxy/admin-client.js";
import { startProxy, type RunningProxy } from "../../src/proxy/proxy-process.js";
import {
  DEFAULT_TRAFFIC_POLICY,
  type Route,
  type RouteTable,
  type TrafficPolicy,
} from "../../src/proxy/route-table.js";

export interface Upstream {
  name: string;
  port: number;
  server: http.Server;
  /** Requests received, in order. */
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real upstream on 127.0.0.1:0; by default answers 200 "<name> <url>". */
export async function startUpstream(name: string, handler?: Handler): Promise<Upstream> {
  const seen: Upstream["seen"] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (handler) return handler(req, res);
    req.resume();
    req.on("end", () => res.end(`${name} ${req.url}`));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    server,
    seen,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A port nothing listens on (bound then closed). */
export async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export function policy(overrides: Partial<TrafficPolicy> = {}): TrafficPolicy {
  return { ...DEFAULT_TRAFFIC_POLICY, tryTimeoutMs: 5_000, drainTimeoutMs: 2_000, ...overrides };
}

export function route(
  id: string,
  revisions: [id: string, weight: number, ...upstreams: Upstream[]][],
  extra: Partial<Route> = {},
): Route {
  return {
    id,
    hosts: [],
    pathPrefix: "/",
    revisions: revisions.map(([revisionId, weight, ...upstreams]) => ({
      id: revisionId,
      weight,
      instances: upstreams.map((u, i) => ({ id: `${u.name}-${i}`, host: "127.0.0.1", port: u.port })),
    })),
    policy: policy(),
    ...extra,
  };
}

export interface TestProxy extends RunningProxy {
  stateDir: string;
  client: ProxyAdminClient;
  url: string;
  apply(routes: Route[]): Promise<number>;
  stop(): Promise<void>;
}

let generation = 0;

/** The proxy in this process, on real sockets, with a temp state dir removed by stop(). */
export async function startTestProxy(opts: { stateDir?: string } = {}): Promise<TestProxy> {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), "slipway-proxy-"));
  const running = await startProxy({
    listen: "127.0.0.1:0",
    admin: "127.0.0.1:0",
    stateDir,
    log: pino({ level: "silent" }),
  });
  const client = new ProxyAdminClient({ url: running.adminUrl, token: running.token });
  return {
    ...running,
    stateDir,
    client,
    url: `http://${running.listen}`,
    async apply(routes) {
      const table: RouteTable = { generation: ++generation, routes };
      return (await client.applyRoutes(table)).generation;
    },
    async stop() {
      await client.close();
      await running.close();
      if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no pooling surprises between tests). */
export function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = http.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", fail);
      },
    );
    req.on("error", fail);
    req.end(opts.body);
  });
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Polls until check() is truthy (bounded). */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}
