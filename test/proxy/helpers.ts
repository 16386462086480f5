import { execFileSync } from "node:child_process";
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { ProxyAdminClient, spawnProxy, type SpawnedProxy } from "../../src/traffic/admin-client.js";
import type { DataPlaneKind } from "../../src/core/traffic/index.js";
import { startProxy, type RunningProxy } from "../../src/traffic/builtin/process.js";
import {
  DEFAULT_TRAFFIC_POLICY,
  type Route,
  type RouteTable,
  type TrafficPolicy,
} from "../../src/core/traffic/index.js";

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

/** One request, on a fresh connection unless an agent is given (no pooling surprises between tests). */
export function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = http.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, agent: opts.agent ?? false },
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

/** Builds dist/ so spawned `slipway proxy` processes run the current source (call in beforeAll). */
export function buildCli(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}

export interface SpawnedTestProxy extends SpawnedProxy {
  url: string;
  /** PUTs the routes with the next generation. */
  apply(routes: Route[]): Promise<number>;
}

/**
 * What a test starts, stopped in reverse order by cleanup() (call it in afterEach): upstreams,
 * temp dirs, in-process and spawned proxies.
 */
export class Fixture {
  private readonly steps: (() => Promise<void> | void)[] = [];

  defer(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async cleanup(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "slipway-proxy-"));
    this.defer(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async upstream(name: string, handler?: Handler): Promise<Upstream> {
    const u = await startUpstream(name, handler);
    this.defer(() => u.close());
    return u;
  }

  /** A keep-alive agent, destroyed at cleanup. */
  agent(maxSockets = 8): http.Agent {
    const agent = new http.Agent({ keepAlive: true, maxSockets });
    this.defer(() => agent.destroy());
    return agent;
  }

  async proxy(opts: { stateDir?: string } = {}): Promise<TestProxy> {
    const p = await startTestProxy(opts);
    this.defer(() => p.stop());
    return p;
  }

  /** A real `slipway proxy` process (needs buildCli() first). */
  async spawn(
    opts: { stateDir?: string; workers?: number; dataPlane?: DataPlaneKind } = {},
  ): Promise<SpawnedTestProxy> {
    const p = await spawnProxy({
      listen: "127.0.0.1:0",
      admin: "127.0.0.1:0",
      stateDir: opts.stateDir ?? this.tempDir(),
      workers: opts.workers ?? 1,
      ...(opts.dataPlane ? { dataPlane: opts.dataPlane } : {}),
      env: { SLIPWAY_LOG_LEVEL: "warn" },
      // Generous: on a shared 2-core machine under load a cold start can take well over 15 s.
      readyTimeoutMs: 45_000,
    });
    this.defer(() => p.stop());
    return {
      ...p,
      url: `http://${p.listen}`,
      async apply(routes) {
        return (await p.client.applyRoutes({ generation: ++generation, routes })).generation;
      },
    };
  }
}

/**
 * A browser-like client: sends back the cookies it was given (name and value; attributes and
 * expiry are ignored, tests are short) on a fresh connection per request.
 */
export class CookieJarClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async get(path = "/", headers: Record<string, string> = {}): Promise<Reply> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const reply = await send(`${this.baseUrl}${path}`, {
      headers: cookie === "" ? headers : { ...headers, cookie },
    });
    for (const line of reply.headers["set-cookie"] ?? []) {
      const pair = line.slice(0, line.includes(";") ? line.indexOf(";") : line.length);
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return reply;
  }
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` running at once. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/** How many times each value occurs, keys sorted. */
export function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of [...values].sort()) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
