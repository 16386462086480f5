// Runners on several hosts: a control plane on PostgreSQL hands workflow jobs through its job
// queue (pg-boss) to three `slipway runner` processes, each in its own network namespace (a host
// of its own, reaching the server over a veth pair); one runner is SIGKILLed mid-job.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunView } from "../../src/pipelines/runs/run-view.js";
import { serve } from "../../src/server/serve.js";
import { isAlive } from "../pipelines/helpers.js";
import { startRunnersWorld, type RunnersWorld } from "./world.js";
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
      - uses: actions/cache@v4
        with: { path: deps, key: "deps-\${{ github.sha }}" }
      - run: mkdir -p deps && echo "setup in $(ip netns identify $$)" | tee deps/where
      - uses: actions/upload-artifact@v4
        with: { name: where, path: deps/where }
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
      - uses: actions/download-artifact@v4
        with: { name: where, path: . }
      - run: (cat where; echo "report in $(ip netns identify $$)") > report.txt
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

// A step that leaves a daemon outside its process group (setsid), its pid in a file of the test's.
const scratch = mkdtempSync(join(tmpdir(), "slipway-runners-daemon-"));
const DAEMON_PID = join(scratch, "daemon.pid");
const DAEMON = `name: Daemon
on: workflow_dispatch
jobs:
  leave:
    runs-on: self-hosted
    steps:
      - run: setsid sleep 300 > /dev/null 2>&1 & echo $! > ${DAEMON_PID}
`;

let w: RunnersWorld | undefined;
const world = (): RunnersWorld => {
  if (!w) throw new Error("the world did not start");
  return w;
};
const api = <T>(method: string, path: string, body?: unknown, token?: string) =>
  world().api<T>(method, path, body, token);

beforeAll(async () => {
  w = await startRunnersWorld({
    workflows: { "fan.yml": FAN, "slow.yml": SLOW, "daemon.yml": DAEMON },
    runners: 3,
    runnerTimings: { heartbeatMs: HEARTBEAT_MS, lostAfterMs: LOST_AFTER_MS },
  });
}, 120_000);

afterAll(async () => {
  await w?.close();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe("runners on several hosts through the PostgreSQL job queue", () => {
  it("slipway server refuses an unknown --runners, and --runners queue without PostgreSQL", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-runners-cli-"));
    writeFileSync(join(dir, "slipway.yaml"), "project: { name: cli }\n");
    try {
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, [BIN, "server", "--dir", dir, "--port", "0", ...args], {
          encoding: "utf8",
          timeout: 30_000,
          env: { ...process.env, NO_COLOR: "1", SLIPWAY_DATABASE: "" },
        });
      const bogus = cli("--runners", "elsewhere");
      expect(bogus.status).toBe(2);
      expect(bogus.stderr).toContain('--runners: expected process or queue, got "elsewhere"');
      const sqlite = cli("--runners", "queue");
      expect(sqlite.status).not.toBe(0);
      expect(sqlite.stderr).toContain("--runners queue needs PostgreSQL");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses --runners queue on SQLite, saying why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-runners-sqlite-"));
    try {
      await expect(serve({ dir, port: 0, runners: "queue" })).rejects.toMatchObject({
        code: "SLIPWAY_UNSUPPORTED",
        message: expect.stringMatching(
          /^--runners queue needs PostgreSQL: .* --database postgres:/,
        ) as unknown,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a runner token can take jobs and nothing else; other tokens cannot take jobs", async () => {
    const { runnerToken } = world();
    expect((await api("GET", "/api/runs", undefined, runnerToken)).status).toBe(403);
    expect((await api("POST", "/api/runner/claim", { labels: ["self-hosted"], waitMs: 0 })).status).toBe(403);
    const claim = await api<{ job: unknown }>(
      "POST",
      "/api/runner/claim",
      { labels: ["nothing-has-this"], waitMs: 0 },
      runnerToken,
    );
    expect(claim).toEqual({ status: 200, json: { job: null } });
  });

  it("runs 12 jobs across three runners in three namespaces; a runner killed mid-job fails its job, the rest finish", async () => {
    const started = await api<{ run: RunView }>("POST", "/api/runs", { workflow: "fan.yml" });
    expect(started.status).toBe(202);
    const runId = started.json.run.runId;

    // Wait until the third namespace's runner runs a work job, and has streamed its first line.
    const { runners, namespaces, dir } = world();
    const victim = runners[2];
    if (!victim) throw new Error("no third runner");
    let victimJob = "";
    for (let i = 0; i < 600 && victimJob === ""; i++) {
      const { json } = await api<{ jobs: { key: string; lines: { text: string }[] }[] }>(
        "GET",
        `/api/runs/${runId}/logs`,
      );
      const job = json.jobs.find(
        (j) =>
          j.key.startsWith("work-") && j.lines.some((l) => l.text.includes(`started in ${victim.ns.name}`)),
      );
      if (job) victimJob = job.key;
      else await sleep(100);
    }
    expect(victimJob).not.toBe("");
    const killedAt = Date.now();
    world().killRunner(victim);
    let detectedInMs = -1;
    for (let i = 0; i < 600 && detectedInMs < 0; i++) {
      const { json } = await api<{ run: RunView }>("GET", `/api/runs/${runId}`);
      if (json.run.jobs.find((job) => job.key === victimJob)?.conclusion)
        detectedInMs = Date.now() - killedAt;
      else await sleep(100);
    }

    const run = await world().waitRun(runId);
    const byKey = new Map(run.jobs.map((job) => [job.key, job]));
    expect(run.jobs).toHaveLength(12);
    const lost = byKey.get(victimJob);
    expect(lost?.conclusion).toBe("failure");
    expect(lost?.reason).toMatch(/^runner runners\/.* lost: no heartbeat for \d+(\.\d+)?s$/);
    const { json: logs } = await api<{ jobs: { key: string; lines: { text: string }[] }[] }>(
      "GET",
      `/api/runs/${runId}/logs`,
    );
    const linesOf = (key: string) => logs.jobs.find((job) => job.key === key)?.lines.map((l) => l.text) ?? [];
    for (const job of run.jobs.filter((j) => j.key !== victimJob)) {
      const failed = job.conclusion === "success" ? [] : linesOf(job.key);
      expect({ key: job.key, conclusion: job.conclusion, failed }).toEqual({
        key: job.key,
        conclusion: "success",
        failed: [],
      });
    }
    expect(run.conclusion).toBe("failure");

    // Every namespace ran something; the killed job's first line had streamed back before it died.
    const text = logs.jobs.flatMap((job) => job.lines.map((line) => line.text)).join("\n");
    for (const ns of namespaces) expect(text).toContain(`in ${ns.name}`);
    const lostLines = linesOf(victimJob);
    expect(lostLines.some((line) => line.includes(`started in ${victim.ns.name}`))).toBe(true);
    expect(lostLines.some((line) => line.includes("lost: no heartbeat"))).toBe(true);

    // The report job's artifact was uploaded from its runner to the server.
    const artifacts = await api<{ artifacts: { name: string }[] }>("GET", `/api/runs/${runId}/artifacts`);
    expect(artifacts.json.artifacts.map((a) => a.name).sort()).toEqual(["report", "where"]);
    // The report job downloaded the setup job's artifact (from another runner, through the server).
    const report = readFileSync(join(dir, ".slipway", "artifacts", runId, "report", "report.txt"), "utf8");
    expect(report).toMatch(/^setup in slw-.*\nreport in slw-/);
    // …and the cache entry the setup job saved (its post step) too.
    const entries = readdirSync(join(dir, ".slipway", "cache")).filter((name) => name.endsWith(".json"));
    expect(
      entries.map(
        (name) =>
          (JSON.parse(readFileSync(join(dir, ".slipway", "cache", name), "utf8")) as { key: string }).key,
      ),
    ).toEqual([`deps-${run.sha}`]);
    expect(detectedInMs).toBeGreaterThan(0);
    process.stdout.write(
      `killed runner's job failed ${detectedInMs} ms after the kill (lost after ${LOST_AFTER_MS} ms)\n`,
    );
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
    const run = await world().waitRun(runId, 60_000);
    process.stdout.write(
      `a cancelled job on a runner ended ${Date.now() - cancelledAt} ms after the cancel\n`,
    );
    expect(run.jobs.map((job) => job.conclusion)).toEqual(["cancelled"]);
    expect(run.conclusion).toBe("cancelled");
  }, 120_000);

  it("what a job's steps left running outside their process group ends with the job, as on GitHub", async () => {
    const started = await api<{ run: RunView }>("POST", "/api/runs", { workflow: "daemon.yml" });
    const run = await world().waitRun(started.json.run.runId, 60_000);
    const pid = Number(readFileSync(DAEMON_PID, "utf8"));
    try {
      expect(run.conclusion).toBe("success");
      expect(pid).toBeGreaterThan(0);
      expect(isAlive(pid)).toBe(false);
    } finally {
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  }, 120_000);
});
