/**
 * A real control plane for API tests: the rollouts test world (real proxy process, runtime, SQLite,
 * controller) behind the real HTTP handler on a real socket, with tokens per role.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { AssetService, assetsRootOf } from "../../src/assets/service.js";
import type { AddressInfo } from "node:net";
import { issueApiToken } from "../../src/auth/accounts.js";
import type { Role } from "../../src/core/access/roles.js";
import { createApp, type App, type AppOptions } from "../../src/server/app.js";
import { createHttpHandler } from "../../src/server/http-api.js";
import { projectYaml, startWorld, withoutBaselineTrigger, type World } from "../rollouts/world.js";

/**
 * production: approval; staging: open; locked: deploy needs admin; frozen: inside a freeze window
 * all the time. Each non-production environment routes its own host, so routes do not collide.
 */
export const ACCESS_YAML = withoutBaselineTrigger(
  projectYaml(
    "3s",
    `    approval: true
  staging:
    readinessTimeout: 6s
    scaleDownDelay: 1s
    analysis: { window: 2s, interval: 250ms, minRequests: 10 }
    services:
      web:
        routes: [{ hosts: [staging.test], pathPrefix: / }]
  locked:
    access: { deploy: admin }
    services:
      web:
        routes: [{ hosts: [locked.test], pathPrefix: / }]
  frozen:
    readinessTimeout: 6s
    scaleDownDelay: 1s
    analysis: { window: 2s, interval: 250ms, minRequests: 10 }
    freezeWindows:
      - cron: "* * * * *"
        duration: 2h
        reason: test freeze
    services:
      web:
        routes: [{ hosts: [frozen.test], pathPrefix: / }]
`,
  ),
);

/** An API answer: `error` on 4xx/5xx, the route's fields otherwise. */
export type ApiJson = { error?: { code: string; message: string; problems?: string[] } } & Record<
  string,
  unknown
>;

export interface ApiHarness {
  base: string;
  app: App;
  /** A new API token with `role` (and per-environment roles). */
  token(
    role: Role,
    name?: string,
    environmentRoles?: Record<string, Role>,
  ): Promise<{ token: string; id: string }>;
  call<T = ApiJson>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; json: T }>;
  close(): Promise<void>;
}

export async function startApi(world: World, options: Partial<AppOptions> = {}): Promise<ApiHarness> {
  let base = "";
  const app = createApp({
    projectDir: world.dir,
    controller: world.controller,
    store: world.state,
    info: () => ({ apiUrl: base, proxyUrl: world.proxyUrl, dataPlane: "builtin", projectDir: world.dir }),
    ...options,
  });
  const handler = createHttpHandler(app);
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let n = 0;
  return {
    base,
    app,
    async token(role, name = `${role}-${++n}`, environmentRoles) {
      const issued = await issueApiToken(app.access, {
        name,
        role,
        ...(environmentRoles ? { environmentRoles } : {}),
        createdBy: "test",
        now: Date.now(),
      });
      return { token: issued.token, id: issued.record.id };
    },
    async call<T = ApiJson>(
      method: string,
      path: string,
      {
        token,
        body,
        headers = {},
      }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, headers: res.headers, json: json as T };
    },
    async close() {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await app.close();
    },
  };
}

export { startWorld, type World };

/** Publishes a one-file `widget` bundle per version (`widget.<version>.js`) into the API's data directory. */
export async function publishWidgets(
  world: World,
  api: ApiHarness,
  versions: readonly string[],
): Promise<void> {
  const service = new AssetService({ store: world.state.assets, root: assetsRootOf(api.app.dataDir) });
  for (const version of versions) {
    const dir = join(world.dir, `bundle-${version}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `widget.${version}.js`), `console.log(${JSON.stringify(version)})\n`);
    await service.publish(dir, "widget", version, "ci");
  }
}
