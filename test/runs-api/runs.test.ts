import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunChange, RunView } from "../../src/pipelines/runs/run-view.js";
import { startHooksWorld, type HooksWorld } from "./support.js";

const CI = `name: CI
on:
  workflow_dispatch:
    inputs:
      greeting: { required: true, type: string }
      mode: { required: false, default: ok, type: string }
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "deploying with \${{ secrets.DEPLOY_TOKEN }}"
      - run: |
          mkdir -p out && echo "hello \${{ inputs.greeting }}" > out/greeting.txt
          echo "## Greeting \${{ inputs.greeting }}, token \${{ secrets.DEPLOY_TOKEN }}" >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v4
        with: { name: site, path: out }
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: |
          if [ "\${{ inputs.mode }}" = "slow" ]; then sleep 60; fi
          if [ "\${{ inputs.mode }}" = "fail" ]; then echo "tests failed"; exit 1; fi
          echo tests ok
`;
const PUSH_ONLY = `name: Push only
on: { push: { branches: [main] } }
jobs:
  noop: { runs-on: ubuntu-latest, steps: [{ run: "true" }] }
`;
const CHECKOUT = `name: Checkout
on: workflow_dispatch
jobs:
  look:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: test -f .github/workflows/checkout.yml && touch built.txt
`;
const SECRET = "s3cr3t-deploy-token";

let h: HooksWorld;
const changes: RunChange[] = [];
const call = (method: string, path: string, body?: unknown) =>
  h.api.call<Record<string, unknown> & { run?: RunView; error?: { code: string; message: string } }>(
    method,
    path,
    { token: h.token, ...(body === undefined ? {} : { body }) },
  );

beforeAll(async () => {
  h = await startHooksWorld({
    workflows: { "ci.yml": CI, "push.yml": PUSH_ONLY, "checkout.yml": CHECKOUT },
    env: { SLIPWAY_SECRET_DEPLOY_TOKEN: SECRET, SLIPWAY_REUSE_WORKTREES: "1" },
  });
  h.api.app.events.subscribe((event) => {
    const change = event.change as RunChange;
    if (change.kind === "run") changes.push(change);
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

describe("runs API over HTTP", () => {
  let runId = "";

  it("starts a workflow_dispatch run with inputs and answers 202 with the run", async () => {
    const { status, json } = await call("POST", "/api/runs", {
      workflow: "ci.yml",
      inputs: { greeting: "world" },
    });
    expect(status).toBe(202);
    expect(json.run).toMatchObject({
      workflow: "CI",
      event: "workflow_dispatch",
      status: "running",
      actor: expect.any(String) as unknown,
    });
    runId = json.run!.runId;
    const run = await h.waitRun(runId);
    expect(run).toMatchObject({
      status: "completed",
      conclusion: "success",
      sha: h.sha,
      ref: "refs/heads/main",
    });
  }, 60_000);

  it("lists runs newest first and shows one run's jobs with their needs and timings", async () => {
    const list = await call("GET", "/api/runs?limit=5");
    expect(list.status).toBe(200);
    expect((list.json.runs as RunView[])[0]?.runId).toBe(runId);
    const { json } = await call("GET", `/api/runs/${runId}`);
    expect(json.run!.jobs.map((j) => [j.id, j.needs, j.status, j.conclusion])).toEqual([
      ["build", [], "completed", "success"],
      ["test", ["build"], "completed", "success"],
    ]);
    for (const job of json.run!.jobs) {
      expect(Date.parse(job.startedAt ?? "")).not.toBeNaN();
      expect(job.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("published the run's changes for live updates, ending with the completed run", () => {
    const mine = changes.filter((c) => c.run.runId === runId);
    expect(mine[0]?.run.status).toBe("running");
    expect(mine.at(-1)?.run).toMatchObject({ status: "completed", conclusion: "success" });
    expect(mine.some((c) => c.run.jobs.some((j) => j.status === "running"))).toBe(true);
  });

  it("serves the logs per job, with secrets masked as stored", async () => {
    const { status, json } = await call("GET", `/api/runs/${runId}/logs`);
    expect(status).toBe(200);
    const jobs = json.jobs as { key: string; lines: { text: string }[] }[];
    expect(jobs.map((j) => j.key)).toEqual(["build", "test"]);
    const text = JSON.stringify(jobs);
    expect(text).toContain("deploying with ***");
    expect(text).not.toContain(SECRET);
    expect(text).toContain("tests ok");
    const plain = await h.api.call<string>("GET", `/api/runs/${runId}/logs?job=test`, {
      token: h.token,
      headers: { accept: "text/plain" },
    });
    expect(plain.json).toContain("== test / ");
    expect(plain.json).toContain("tests ok");
    expect(plain.json).not.toContain("deploying");
  });

  it("serves the step summaries apart from the logs, masked", async () => {
    const { status, json } = await call("GET", `/api/runs/${runId}/summary`);
    expect(status).toBe(200);
    expect(json.jobs).toEqual([{ key: "build", id: "build", markdown: "## Greeting world, token ***\n" }]);
    const plain = await h.api.call<string>("GET", `/api/runs/${runId}/logs?job=build`, {
      token: h.token,
      headers: { accept: "text/plain" },
    });
    expect(plain.json).not.toContain("## Greeting");
  });

  it("lists the artifacts and downloads one as a gzip tar", async () => {
    const { json } = await call("GET", `/api/runs/${runId}/artifacts`);
    const artifacts = json.artifacts as { name: string; fileCount: number; url: string }[];
    expect(artifacts).toMatchObject([{ name: "site", fileCount: 1 }]);
    const res = await fetch(`${h.api.base}${artifacts[0]!.url}`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    const dir = mkdtempSync(join(tmpdir(), "slipway-artifact-test-"));
    try {
      writeFileSync(join(dir, "a.tar.gz"), Buffer.from(await res.arrayBuffer()));
      execFileSync("tar", ["-xzf", "a.tar.gz"], { cwd: dir });
      expect(readFileSync(join(dir, "greeting.txt"), "utf8")).toBe("hello world\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const missing = await call("GET", `/api/runs/${runId}/artifacts/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json.error?.message).toMatch(/no artifact "nope" .*artifacts: site/);
  });

  it("cancels a run in progress, and refuses to cancel a finished one", async () => {
    const started = await call("POST", "/api/runs", {
      workflow: "ci.yml",
      inputs: { greeting: "x", mode: "slow" },
    });
    expect(started.status).toBe(202);
    const id = started.json.run!.runId;
    // Wait until the slow job is running, so the cancel stops a real process.
    for (let i = 0; i < 300; i++) {
      const { json } = await call("GET", `/api/runs/${id}`);
      if (json.run!.jobs.some((j) => j.id === "test" && j.status === "running")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cancelled = await call("POST", `/api/runs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.run).toMatchObject({ status: "completed", conclusion: "cancelled" });
    const again = await call("POST", `/api/runs/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.json.error?.message).toMatch(/is not running here \(it is completed, cancelled\)/);
  }, 60_000);

  it.each([
    ["an unknown workflow", { workflow: "nope.yml" }, 404, /no workflow nope.yml .*workflows: .*ci.yml/],
    ["a missing required input", { workflow: "ci.yml" }, 400, /greeting/],
    [
      "a workflow without workflow_dispatch",
      { workflow: "push.yml" },
      400,
      /does not run on workflow_dispatch/,
    ],
    ["an unknown field", { workflow: "ci.yml", branch: "x" }, 400, /Unrecognized key/i],
  ])("refuses %s saying why", async (_name, body, status, message) => {
    const { status: got, json } = await call("POST", "/api/runs", body);
    expect(got).toBe(status);
    expect(json.error?.message).toMatch(message);
  });

  it("keeps a run's worktree for the next run with SLIPWAY_REUSE_WORKTREES=1, as slipway run does", async () => {
    const shared = join(tmpdir(), "slipway-worktrees");
    const kept = () =>
      execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: h.world.dir, encoding: "utf8" })
        .split("\n")
        .flatMap((line) => (line.startsWith(`worktree ${shared}/`) ? [line.slice("worktree ".length)] : []));
    try {
      for (let round = 0; round < 2; round++) {
        const started = await call("POST", "/api/runs", { workflow: "checkout.yml" });
        expect(started.status).toBe(202);
        const run = await h.waitRun(started.json.run?.runId ?? "");
        expect(run.conclusion).toBe("success");
        // Taken by the second run's checkout and given back: still one, cleaned when next taken.
        expect(kept()).toHaveLength(1);
      }
    } finally {
      for (const path of kept()) rmSync(join(path, ".."), { recursive: true, force: true });
      execFileSync("git", ["worktree", "prune"], { cwd: h.world.dir });
    }
  });

  it("answers 404 for an unknown run and 401 without a token", async () => {
    expect((await call("GET", "/api/runs/999999")).status).toBe(404);
    expect((await call("GET", "/api/runs/999999/logs")).status).toBe(404);
    expect((await h.api.call("GET", "/api/runs")).status).toBe(401);
  });
});
