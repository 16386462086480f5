import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunView } from "../../src/pipelines/runs/run-view.js";
import { startHooksWorld, type HooksWorld } from "./support.js";

const workflow = (name: string, environment: string) => `name: ${name}
on: { workflow_dispatch: {} }
jobs:
  build: { runs-on: ubuntu-latest, steps: [{ run: "echo built" }] }
  ship:
    needs: build
    environment: ${environment}
    runs-on: ubuntu-latest
    steps: [{ run: "echo shipped to ${environment}" }]
`;

let h: HooksWorld;
let alice = "";
let bob = "";

beforeAll(async () => {
  h = await startHooksWorld({
    workflows: { "prod.yml": workflow("Prod", "production"), "stage.yml": workflow("Stage", "staging") },
    extraYaml: `    approval: true
  staging:
    approval: { expiry: 1s }
    services:
      web:
        routes: [{ hosts: [staging.test], pathPrefix: / }]
`,
  });
  ({ token: alice } = await h.api.token("deployer", "alice"));
  ({ token: bob } = await h.api.token("deployer", "bob"));
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

const call = (token: string, method: string, path: string, body?: unknown) =>
  h.api.call<{ run: RunView; error?: { code: string; message: string } }>(method, path, {
    token,
    ...(body === undefined ? {} : { body }),
  });

async function startWaiting(file: string): Promise<RunView> {
  const started = await call(alice, "POST", "/api/runs", { workflow: file });
  expect(started.status).toBe(202);
  for (let i = 0; i < 300; i++) {
    const { json } = await call(alice, "GET", `/api/runs/${started.json.run.runId}`);
    if (json.run.jobs.some((j) => j.id === "ship" && j.status === "waiting")) return json.run;
    await sleep(100);
  }
  throw new Error("the ship job never waited for its approval");
}

describe("jobs in an environment with approval", () => {
  it("wait until someone other than the requester approves, then run", async () => {
    const run = await startWaiting("prod.yml");
    const ship = run.jobs.find((j) => j.id === "ship");
    expect(ship).toMatchObject({
      status: "waiting",
      needs: ["build"],
      approval: {
        environment: "production",
        requestedBy: "alice" /* the requester's name, as the audit trail has it */,
        approvers: [],
      },
    });
    const own = await call(alice, "POST", `/api/runs/${run.runId}/jobs/ship/approve`, {});
    expect(own.status).toBe(403);
    expect(own.json.error?.message).toMatch(/you started run .*someone else must approve/);
    const approved = await call(bob, "POST", `/api/runs/${run.runId}/jobs/ship/approve`, { comment: "ok" });
    expect(approved.status).toBe(200);
    const done = await h.waitRun(run.runId);
    expect(done.jobs.map((j) => [j.id, j.conclusion])).toEqual([
      ["build", "success"],
      ["ship", "success"],
    ]);
    const again = await call(bob, "POST", `/api/runs/${run.runId}/jobs/ship/approve`, {});
    expect(again.status).toBe(409);
  }, 60_000);

  it("fail the job when rejected, saying by whom", async () => {
    const run = await startWaiting("prod.yml");
    const rejected = await call(bob, "POST", `/api/runs/${run.runId}/jobs/ship/approve`, {
      verdict: "reject",
      comment: "not today",
    });
    expect(rejected.status).toBe(200);
    const done = await h.waitRun(run.runId);
    expect(done.conclusion).toBe("failure");
    expect(done.jobs.find((j) => j.id === "ship")).toMatchObject({
      conclusion: "failure",
      reason: "bob rejected the production job: not today",
    });
    // Its logs: none, and why (as `slipway logs --job` prints it); a job the run lacks is a 404.
    const logs = await h.api.call<{ jobs: unknown[] }>("GET", `/api/runs/${run.runId}/logs?job=ship`, {
      token: alice,
    });
    expect(logs.status).toBe(200);
    expect(logs.json.jobs).toEqual([
      { key: "ship", id: "ship", lines: [], reason: "bob rejected the production job: not today" },
    ]);
    const plain = await h.api.call<string>("GET", `/api/runs/${run.runId}/logs?job=ship`, {
      token: alice,
      headers: { accept: "text/plain" },
    });
    expect(plain.json).toBe("== ship\nbob rejected the production job: not today\n");
    const missing = await call(alice, "GET", `/api/runs/${run.runId}/logs?job=deploy`);
    expect(missing.status).toBe(404);
    expect(missing.json.error?.message).toBe(`run ${run.runId} has no job deploy (jobs: build, ship)`);
  }, 60_000);

  it("fail the job when the approval expires", async () => {
    const run = await startWaiting("stage.yml");
    const done = await h.waitRun(run.runId, 20_000);
    expect(done.jobs.find((j) => j.id === "ship")).toMatchObject({
      conclusion: "failure",
      reason: "the approval for staging expired after 1 s",
    });
  }, 60_000);
});
