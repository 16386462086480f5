/**
 * The control plane's HTTP API over a test world's controller, in this process, with an admin
 * token: for tests that drive the API or the CLI against a world started by startWorld().
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { issueApiToken } from "../../src/auth/accounts.js";
import { createApp } from "../../src/server/app.js";
import { createHttpHandler } from "../../src/server/http-api.js";
import type { World } from "./world.js";

export interface WorldApi {
  base: string;
  /** An admin API token (`Authorization: Bearer …`, or SLIPWAY_TOKEN for the CLI). */
  token: string;
  close(): Promise<void>;
}

export async function serveWorldApi(world: World, tokenName: string): Promise<WorldApi> {
  let base = "";
  const app = createApp({
    projectDir: world.dir,
    controller: world.controller,
    store: world.state,
    info: () => ({ apiUrl: base, proxyUrl: world.proxyUrl, dataPlane: "builtin", projectDir: world.dir }),
  });
  const { token } = await issueApiToken(app.access, {
    name: tokenName,
    role: "admin",
    createdBy: "test",
    now: Date.now(),
  });
  const handler = createHttpHandler(app);
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    token,
    async close() {
      server.close();
      await app.close();
    },
  };
}
