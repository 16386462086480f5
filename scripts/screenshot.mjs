#!/usr/bin/env node
// Takes the README's dashboard screenshot from a real running demo: a real proxy, control plane and
// fixture app (the dashboard tests' world), v1 deployed, then v2 as a canary whose analysis runs
// under steady traffic until it waits at its manual pause; the rollout page is captured then.
//   npm run build && node scripts/screenshot.mjs [--out docs/img/dashboard.png]
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadHarness, ROOT, signInContext } from "../bench/dashboard-lib.mjs";

const out = process.argv.includes("--out")
  ? process.argv[process.argv.indexOf("--out") + 1]
  : join(ROOT, "docs/img/dashboard.png");
const USER = { name: "alice", password: "screenshot password", role: "deployer" };

const harness = await loadHarness();
const world = await harness.startDashboardWorld(
  { v1: { LATENCY_MS: "20" }, v2: { LATENCY_MS: "24" } },
  harness.canaryYaml(),
);
let browser;
let running = true;
const load = (async () => {
  while (running) {
    await fetch(world.proxyUrl).then(
      (r) => r.text(),
      () => undefined,
    );
    await sleep(5);
  }
})();
try {
  const created = await world.api("POST", "/api/users", USER);
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const deploy = async (version, done) => {
    const reply = await world.api("POST", "/api/deployments", {
      service: "web",
      environment: "production",
      version,
    });
    if (!reply.body.rollout) throw new Error(JSON.stringify(reply.body));
    for (let i = 0; i < 600; i++) {
      const { rollout } = (await world.api("GET", `/api/rollouts/${reply.body.rollout.id}`)).body;
      if (done(rollout)) return rollout;
      if (["rolled-back", "failed"].includes(rollout.phase)) throw new Error(`${version}: ${rollout.reason}`);
      await sleep(200);
    }
    throw new Error(`${version} did not get there`);
  };
  await deploy("v1", (r) => r.phase === "promoted");
  const v2 = await deploy("v2", (r) => r.phase === "paused" && r.canary?.paused?.by === "step");
  await sleep(3000); // a few more background measurements for the charts

  browser = await harness.launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await signInContext(context, world.apiUrl, USER.name, USER.password);
  const page = await context.newPage();
  await page.goto(`${world.apiUrl}/rollouts/${encodeURIComponent(v2.id)}`);
  await page.getByRole("heading", { name: "Analysis", exact: true }).waitFor({ timeout: 15_000 });
  await page.getByText("live", { exact: true }).waitFor({ timeout: 10_000 });
  await sleep(500);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  running = false;
  await load;
  await browser?.close();
  await world.close();
}
