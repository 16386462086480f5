/**
 * The Overview shows the hosts that serve an environment's routes besides this machine
 * (`dataPlanes`): a second `slipway proxy` on loopback that holds the route table, and an address
 * where nothing listens, with why.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { spawnProxy, type SpawnedProxy } from "../../src/traffic/admin-client.js";
import { projectYaml, withoutBaselineTrigger } from "../rollouts/world.js";
import { dashboardSuite, shot, startDashboardWorld, type DashboardWorld } from "./harness.js";

const TOKEN = "dashboard-data-plane-token-0123456789abcdef";
const VIEWER = { name: "vera", password: "correct horse battery", role: "viewer" };
const hostDir = mkdtempSync(join(tmpdir(), "slipway-web-host-"));
let host: SpawnedProxy | undefined;
afterAll(async () => {
  await host?.stop();
  rmSync(hostDir, { recursive: true, force: true });
});

interface StatusEnvironment {
  environment: string;
  dataPlanes: { name: string; health: string; generation: number | null }[];
}

async function start(): Promise<DashboardWorld> {
  host = await spawnProxy({
    listen: "127.0.0.1:0",
    admin: "127.0.0.1:0",
    stateDir: hostDir,
    env: { SLIPWAY_PROXY_TOKEN: TOKEN, SLIPWAY_LOG_LEVEL: "warn" },
  });
  // The server reads `${DP_TOKEN}` from its environment (this process's: `serve` runs in it).
  process.env.DP_TOKEN = TOKEN;
  const planes = [
    "    dataPlanes:",
    "      quorum: 1",
    "      hosts:",
    `        - { name: edge-1, admin: "${host.adminUrl}", token: "\${DP_TOKEN}" }`,
    // Port 9 (discard): nothing listens there on loopback.
    `        - { name: edge-2, admin: "http://127.0.0.1:9", token: "\${DP_TOKEN}" }`,
    "",
  ].join("\n");
  const yaml = withoutBaselineTrigger(projectYaml("4s")).replace(
    "    scaleDownDelay: 1s\n",
    `    scaleDownDelay: 1s\n${planes}`,
  );
  return await startDashboardWorld({}, yaml);
}

const { world, signedInPage } = dashboardSuite(start, {
  seed: async (w) => {
    expect((await w.api("POST", "/api/users", VIEWER)).status).toBe(201);
    const deployed = await w.api("POST", "/api/deployments", {
      service: "web",
      environment: "production",
      version: "v1",
    });
    expect(deployed.status).toBeLessThan(300);
    // Until edge-1 acknowledged the table that routes v1 (edge-2 never can).
    for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
      const status = await w.api<{ environments: StatusEnvironment[] }>("GET", "/api/status");
      const planes = status.body.environments.find((e) => e.environment === "production")?.dataPlanes;
      if (planes?.some((p) => p.name === "edge-1" && p.health === "in-sync" && (p.generation ?? 0) > 0))
        break;
      if (Date.now() > deadline) throw new Error(`edge-1 never in sync: ${JSON.stringify(planes)}`);
    }
  },
});

describe("data planes on the Overview", () => {
  it("lists each host with its state, the route table it holds and why it does not", async () => {
    const { context, page } = await signedInPage(VIEWER);
    try {
      await page.goto(world().apiUrl);
      const table = page.getByTestId("data-planes");
      await table.waitFor();
      const edge1 = (await page.getByTestId("data-plane-edge-1").textContent()) ?? "";
      expect(edge1).toMatch(
        /^production\s*edge-1 http:\/\/127\.0\.0\.1:\d+\s*in-sync\s*generation \d+\s*.+ ago$/,
      );
      const edge2 = (await page.getByTestId("data-plane-edge-2").textContent()) ?? "";
      expect(edge2).toMatch(/^production\s*edge-2 http:\/\/127\.0\.0\.1:9\s*unreachable .+none yet\s*never$/);
      expect(edge2).not.toContain(TOKEN);
      await shot(page, "overview-data-planes");
    } finally {
      await context.close();
    }
  });
});
