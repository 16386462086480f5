// Runners on several hosts: a control plane on PostgreSQL hands workflow jobs through its job
// queue (pg-boss) to three `slipway runner` processes, each in its own network namespace (a host
// of its own, reaching the server over a veth pair); one runner is SIGKILLed mid-job.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunView } from "../../src/pipelines/runs/run-view.js";
import { serve, type RunningServer } from "../../src/server/serve.js";
import { createTestDatabase } from "../../src/store/postgres/test-support.js";
import { projectYaml, START_SCRIPT, withoutBaselineTrigger } from "../rollouts/world.js";
import { createNamespaces, type Namespace } from "./namespaces.js";

const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
const HEARTBEAT_MS = 500;
const LOST_AFTER_MS = 3_000;

const WORK_JOBS = 10;
/** 12 jobs: setup → work-1…work-10 → report (always; uploads an artifact). */
const FAN = `name: Fan
on: workflow_dispatch
jobs:
  setup:
    runs-on: self-hosted
    steps:
      - run: echo "setup in $(ip netns identify $$)"
${Array.from(
  { length: WORK_JOBS },
  (_, i) => `  work-${i + 1}:
    needs: setup
    runs-on: [self-hosted, linux]
    steps:
      - run: echo "work-${i + 1} started in $(ip netns identify $$)"
      - run: sleep 3
      - run: echo "work-${i + 1} done"
`,
).join("")}  report:
    needs: [${Array.from({ length: WORK_JOBS }, (_, i) => `work-${i + 1}`).join(", ")}]
    if: always()
    runs-on: self-hosted
    steps:
      - run: echo "report in $(ip netns identify $$)" > report.txt
      - uses: actions/upload-artifact@v4
        with: { name: report, path: report.txt }
`;

const SLOW = `name: Slow
on: workflow_dispatch
jobs:
  long:
    runs-on: self-hosted
    steps:
      - run: echo "long started"
      - run: sleep 120
`;

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "a", GIT_AUTHOR_EMAIL: "a@x", GIT_COMMITTER_NAME: "a", GIT_COMMITTER_EMAIL: "a@x" },
  });

let dir = "";
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let server: RunningServer | undefined;
let network: ReturnType<typeof createNamespaces> | undefined;
let admin = "";
let runnerToken = "";
const runners: { ns: Namespace; child: ChildProcess; output: () => string; workDir: string }[] = [];

async function api<T>(method: string, path: string, body?: unknown, token = admin): Promise<{ status: number; json: T }> {
  const response = await fetch(`${server?.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as T };
}

async function waitRun(runId: string, timeoutMs = 90_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await api<{ run: RunView }>("GET", `/api/runs/${runId}`);
    if (json.run.status === "completed") return json.run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${JSON.stringify(json.run.jobs)}`);
    await sleep(200);
  }
}

function startRunner(ns: Namespace, port: number): void {
  const workDir = mkdtempSync(join(tmpdir(), `slipway-runner-${ns.name}-`));
  const child = spawn(
    "ip",
    ["netns", "exec", ns.name, process.execPath, BIN, "runner", "--server", `http://${ns.hostAddress}:${port}`, "--work-dir", workDir],
    { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, SLIPWAY_RUNNER_TOKEN: runnerToken, NO_COLOR: "1" } },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  runners.push({ ns, child, output: () => out, workDir });
}

/** Kills a runner and every process it started (its steps), as a host going down would. */
function killRunner(runner: (typeof runners)[number]): void {
  try {
    process.kill(-(runner.child.pid ?? 0), "SIGKILL");
  } catch {
    // gone
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "slipway-runners-"));
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), withoutBaselineTrigger(projectYaml("2s")));
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), "{}");
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  writeFileSync(join(dir, ".github", "workflows", "fan.yml"), FAN);
  writeFileSync(join(dir, ".github", "workflows", "slow.yml"), SLOW);
  writeFileSync(join(dir, ".gitignore"), ".slipway/\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "initial");

  // The proxy the control plane needs: `slipway up` starts it (detached); its server part stops.
  const up = spawn(process.execPath, [BIN, "up", "--dir", dir, "--port", "0", "--proxy-port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" },
  });
  let upOut = "";
  up.stdout.on("data", (d: Buffer) => (upOut += d.toString()));
  up.stderr.on("data", (d: Buffer) => (upOut += d.toString()));
  for (let i = 0; i < 600 && !/admin-token/.test(upOut) && up.exitCode === null; i++) await sleep(50);
  up.kill("SIGTERM");
  await new Promise((ok) => (up.exitCode !== null ? ok(undefined) : up.once("exit", ok)));
  if (!/admin-token/.test(upOut)) throw new Error(`slipway up did not start: ${upOut}`);

  database = await createTestDatabase("runners");
  network = createNamespaces(3);
  server = await serve({
    dir,
    port: 0,
    host: "0.0.0.0",
    database: database.url,
    runners: "queue",
    runnerTimings: { heartbeatMs: HEARTBEAT_MS, lostAfterMs: LOST_AFTER_MS },
    webRoot: dir,
  });
  admin = readFileSync(server.adminTokenFile, "utf8").trim();
  const created = await api<{ token: string }>("POST", "/api/tokens", { name: "runners", scope: "runner" });
  expect(created.status).toBe(201);
  runnerToken = created.json.token;
  const port = Number(new URL(server.apiUrl).port);
  for (const ns of network.namespaces) startRunner(ns, port);
}, 120_000);

afterAll(async () => {
  for (const runner of runners) {
    killRunner(runner);
    rmSync(runner.workDir, { recursive: true, force: true });
  }
  await server?.close({ stopInstances: true }).catch(() => undefined);
  network?.remove();
  await database?.drop();
  try {
    const proxy = JSON.parse(readFileSync(join(dir, ".slipway", "proxy", "proxy.json"), "utf8")) as { pid: number };
    process.kill(-proxy.pid, "SIGKILL");
  } catch {
    // gone
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("runners on several hosts through the PostgreSQL job queue", () => {
  it("a runner token can take jobs and nothing else; other tokens cannot take jobs", async () => {
    expect((await api("GET", "/api/runs", undefined, runnerToken)).status).toBe(403);
    expect((await api("POST", "/api/runner/claim", { labels: ["self-hosted"], waitMs: 0 })).status).toBe(403);
    const claim = await api<{ job: unknown }>("POST", "/api/runner/claim", { labels: ["nothing-has-this"], waitMs: 0 }, runnerToken);
    expect(claim).toEqual({ status: 200, json: { job: null } });
  });

  it("runs 12 jobs across three runners in three namespaces; a runner killed mid-job fails its job, the rest finish", async () => {
    const started = await api<{ run: RunView }>("POST", "/api/runs", { workflow: "fan.yml" });
    expect(started.status).toBe(202);
    const runId = started.json.run.runId;

    // Wait until the third namespace's runner runs a work job, and has streamed its first line.
    const victim = runners[2];
    if (!victim) throw new Error("no third runner");
    let victimJob = "";
    for (let i = 0; i < 600 && victimJob === ""; i++) {
      const { json } = await api<{ jobs: { key: string; lines: { text: string }[] }[] }>("GET", `/api/runs/${runId}/logs`);
      const job = json.jobs.find(
        (j) => j.key.startsWith("work-") && j.lines.some((l) => l.text.includes(`started in ${victim.ns.name}`)),
      );
      if (job) victimJob = job.key;
      else await sleep(100);
    }
    expect(victimJob).not.toBe("");
    const killedAt = Date.now();
    killRunner(victim);
    let detectedInMs = -1;
    for (let i = 0; i < 600 && detectedInMs < 0; i++) {
      const { json } = await api<{ run: RunView }>("GET", `/api/runs/${runId}`);
      if (json.run.jobs.find((job) => job.key === victimJob)?.conclusion) detectedInMs = Date.now() - killedAt;
      else await sleep(100);
    }

    const run = await waitRun(runId);
    const byKey = new Map(run.jobs.map((job) => [job.key, job]));
    expect(run.jobs).toHaveLength(12);
    const lost = byKey.get(victimJob);
    expect(lost?.conclusion).toBe("failure");
    expect(lost?.reason).toMatch(/^runner runners\/.* lost: no heartbeat for \d+(\.\d+)?s$/);
    for (const job of run.jobs.filter((j) => j.key !== victimJob)) {
      expect({ key: job.key, conclusion: job.conclusion }).toEqual({ key: job.key, conclusion: "success" });
    }
    expect(run.conclusion).toBe("failure");

    // Every namespace ran something; the killed job's first line had streamed back before it died.
    const { json: logs } = await api<{ jobs: { key: string; lines: { text: string }[] }[] }>("GET", `/api/runs/${runId}/logs`);
    const text = logs.jobs.flatMap((job) => job.lines.map((line) => line.text)).join("\n");
    for (const ns of network?.namespaces ?? []) expect(text).toContain(`in ${ns.name}`);
    const lostLines = logs.jobs.find((job) => job.key === victimJob)?.lines.map((l) => l.text) ?? [];
    expect(lostLines.some((line) => line.includes(`started in ${victim.ns.name}`))).toBe(true);
    expect(lostLines.some((line) => line.includes("lost: no heartbeat"))).toBe(true);

    // The report job's artifact was uploaded from its runner to the server.
    const artifacts = await api<{ artifacts: { name: string }[] }>("GET", `/api/runs/${runId}/artifacts`);
    expect(artifacts.json.artifacts.map((a) => a.name)).toEqual(["report"]);
    expect(existsSync(join(dir, ".slipway", "artifacts", runId, "report", "report.txt"))).toBe(true);
    process.stdout.write(`killed runner's job failed ${detectedInMs} ms after the kill (lost after ${LOST_AFTER_MS} ms)\n`);
  }, 180_000);

  it("cancelling a run stops its job on the runner at its next heartbeat", async () => {
    const started = await api<{ run: RunView }>("POST", "/api/runs", { workflow: "slow.yml" });
    const runId = started.json.run.runId;
    for (let i = 0; i < 600; i++) {
      const { json } = await api<{ jobs: { lines: { text: string }[] }[] }>("GET", `/api/runs/${runId}/logs`);
      if (json.jobs.some((j) => j.lines.some((l) => l.text.includes("long started")))) break;
      await sleep(100);
    }
    const cancelledAt = Date.now();
    expect((await api("POST", `/api/runs/${runId}/cancel`, {})).status).toBeLessThan(300);
    const run = await waitRun(runId, 60_000);
    process.stdout.write(`a cancelled job on a runner ended ${Date.now() - cancelledAt} ms after the cancel\n`);
    expect(run.jobs.map((job) => job.conclusion)).toEqual(["cancelled"]);
    expect(run.conclusion).toBe("cancelled");
  }, 120_000);
});
