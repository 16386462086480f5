/**
 * Delivery metrics end to end: a real `slipway up` (proxy, control plane, release builds from git,
 * revision processes) deploys a good and a bad version; then `GET /metrics`, `GET
 * /api/metrics/delivery` and `slipway report` must say what happened, to the millisecond the audit
 * trail and git record.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryReport } from "../../src/core/delivery/types.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "../rollouts/world.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "slipway.js");
const COMMITTED_AT = new Date(Date.now() - 2 * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");

let dir: string;
let up: ChildProcess;
let api: string;
let token: string;

interface Event {
  type: string;
  at: string;
}

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}
const json = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
  JSON.parse((await call(method, path, body)).text) as T;

async function deployAndWait(version: string): Promise<{ phase: string; events: Event[] }> {
  const started = await json<{ rollout?: { id: string } }>("POST", "/api/deployments", {
    service: "web",
    environment: "production",
    version,
  });
  const id = started.rollout?.id;
  if (!id) throw new Error(`deploy ${version}: ${JSON.stringify(started)}`);
  const deadline = Date.now() + 40_000;
  for (;;) {
    const { rollout, events } = await json<{ rollout: { phase: string }; events: Event[] }>(
      "GET",
      `/api/rollouts/${id}`,
    );
    if (["promoted", "rolled-back", "failed", "superseded"].includes(rollout.phase)) {
      return { phase: rollout.phase, events };
    }
    if (Date.now() > deadline) throw new Error(`rollout ${id} stuck in ${rollout.phase}`);
    await sleep(100);
  }
}

const at = (events: Event[], type: string) => Date.parse(events.find((e) => e.type === type)?.at ?? "");

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
  dir = mkdtempSync(join(tmpdir(), "slipway-delivery-"));
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), withoutBaselineTrigger(projectYaml("1s")));
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), JSON.stringify({ v2: { NEVER_READY: "1" } }));
  writeFileSync(join(dir, ".gitignore"), ".slipway/\n");
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@example.com",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@example.com",
    GIT_COMMITTER_DATE: COMMITTED_AT,
  };
  for (const args of [
    ["init", "-q", "-b", "main"],
    ["add", "."],
    ["commit", "-q", "-m", "web"],
  ]) {
    execFileSync("git", args, { cwd: dir, env });
  }
  up = spawn(process.execPath, [BIN, "up", "--dir", dir, "--port", "0", "--proxy-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" },
  });
  let out = "";
  up.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  up.stderr?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!/API\s+(http:\/\/\S+)/.test(out)) {
    if (Date.now() > deadline || up.exitCode !== null) throw new Error(`slipway up did not start: ${out}`);
    await sleep(50);
  }
  api = /API\s+(http:\/\/\S+)/.exec(out)?.[1] ?? "";
  token = readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();
}, 90_000);

afterAll(async () => {
  if (up && up.exitCode === null) {
    const exited = new Promise((done) => up.once("exit", done));
    up.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000)]);
  }
  if (!dir) return;
  // The proxy and the revision processes outlive `slipway up` by design: stop the ones this test started.
  try {
    const proxy = JSON.parse(readFileSync(join(dir, ".slipway", "proxy", "proxy.json"), "utf8")) as {
      pid: number;
    };
    process.kill(-proxy.pid, "SIGKILL");
  } catch {
    // not started or gone
  }
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // gone, or not ours to read
    }
  }
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("delivery metrics of a real control plane", () => {
  it(
    "a good and a bad deploy move the Prometheus counters and the delivery report",
    { timeout: 90_000 },
    async () => {
      // The server created its metrics at start: a scrape before any rollout shows the process.
      const first = await call("GET", "/metrics");
      expect(first.status).toBe(200);
      expect(first.type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(first.text).toContain("process_cpu_user_seconds_total");

      const good = await deployAndWait("v1");
      expect(good.phase).toBe("promoted");
      const bad = await deployAndWait("v2");
      expect(bad.phase).toBe("rolled-back");

      const scrape = (await call("GET", "/metrics")).text;
      const value = (series: string) => {
        const line = scrape.split("\n").find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      };
      const scope = 'service="web",environment="production"';
      expect(value(`slipway_rollouts_started_total{${scope}}`)).toBe(2);
      expect(value(`slipway_rollouts_finished_total{${scope},result="promoted"}`)).toBe(1);
      expect(value(`slipway_rollouts_finished_total{${scope},result="rolled-back"}`)).toBe(1);
      expect(value(`slipway_rollbacks_total{${scope},trigger="readiness-timeout"}`)).toBe(1);
      expect(
        value('slipway_rollout_duration_seconds_count{environment="production",result="promoted"}'),
      ).toBe(1);
      expect(
        value('slipway_rollout_duration_seconds_count{environment="production",result="rolled-back"}'),
      ).toBe(1);
      expect(
        value('slipway_rollout_duration_seconds_sum{environment="production",result="rolled-back"}'),
      ).toBe((at(bad.events, "rollout.rollback") - at(bad.events, "rollout.created")) / 1000);
      // Requests are timed by their declared route, never by their URL.
      const requests = (labels: string) => value(`slipway_api_request_duration_seconds_count{${labels}}`);
      expect(requests('method="POST",route="/api/deployments",status="202"')).toBe(2);
      expect(requests('method="GET",route="/metrics",status="200"')).toBe(1);
      expect(requests('method="GET",route="/api/rollouts/:id",status="200"')).toBeGreaterThanOrEqual(2);
      expect(scrape).not.toContain('route="/api/rollouts/r-1"');

      const report = await json<DeliveryReport>("GET", "/api/metrics/delivery?environment=production&days=1");
      expect(report.window.days).toBe(1);
      const [prod] = report.environments;
      expect(prod?.environment).toBe("production");
      expect(prod?.services).toEqual(["web"]);
      expect(prod?.deploymentFrequency).toEqual({ deploys: 1, perDay: 1, perWeek: 7 });
      // Lead time: the release's git commit → the `rollout.promoted` event.
      const lead = at(good.events, "rollout.promoted") - Date.parse(COMMITTED_AT);
      expect(prod?.leadTime).toEqual({ samples: 1, medianMs: lead, p90Ms: lead, withoutCommit: 0 });
      expect(prod?.changeFailureRate).toEqual({
        deploys: 2,
        failed: 1,
        rate: 0.5,
        rolledBack: 1,
        failedOutright: 0,
        followedByRollback: 0,
        superseded: 0,
      });
      // v2 never went live: restored when traffic was confirmed back on v1, measured from its start.
      const restore = at(bad.events, "rollout.rollback") - at(bad.events, "rollout.created");
      expect(prod?.timeToRestore).toEqual({
        samples: 1,
        medianMs: restore,
        p90Ms: restore,
        failures: 1,
        unrestored: 0,
      });

      // The same through the CLI, for people and for machines.
      // Asynchronously: a blocked event loop would leave this process's keep-alive sockets stale.
      const cli = (...args: string[]) =>
        new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
          execFile(
            process.execPath,
            [BIN, "report", ...args],
            {
              timeout: 20_000,
              env: { ...process.env, SLIPWAY_URL: api, SLIPWAY_TOKEN: token, NO_COLOR: "1" },
            },
            (error, stdout, stderr) => done({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          );
        });
      const asJson = await cli("--environment", "production", "--days", "1", "--json");
      expect(asJson.status).toBe(0);
      expect((JSON.parse(asJson.stdout) as DeliveryReport).environments).toEqual(report.environments);
      const human = await cli("--days", "1");
      expect(human.status).toBe(0);
      expect(human.stdout).toContain("change failure rate   50.0% (1 of 2: 1 rolled back)");
      expect(human.stdout).toContain("deployment frequency  1 deploys: 1.00/day, 7.0/week");
      const refused = await cli("--days", "0");
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain("--days must be a whole number from 1 to 365, got '0'");
    },
  );

  it("refuses a bad window with a 400 that says why", { timeout: 20_000 }, async () => {
    const res = await call("GET", "/api/metrics/delivery?days=abc");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({
      error: {
        code: "SLIPWAY_INVALID_ARGUMENT",
        problems: [expect.stringContaining("a whole number of days")],
      },
    });
    expect((await call("GET", "/api/metrics/delivery?days=366")).status).toBe(400);
  });
});
