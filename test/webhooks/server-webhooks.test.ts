import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunView } from "../../src/pipelines/runs/run-view.js";
import { signGitHubPayload } from "../../src/webhooks/signature.js";
import { startHooksWorld, type HooksWorld } from "../runs-api/support.js";

const SECRET = "e2e-github-webhook-secret";
const CI = `name: CI
on: { push: { branches: [main] } }
jobs:
  build:
    runs-on: ubuntu-latest
    steps: [{ run: "echo built \${{ github.sha }} for \${{ github.event.sender.login }}" }]
`;
const RELEASE = `name: Release
on: { push: { branches: ["release/*"] } }
jobs:
  ship: { runs-on: ubuntu-latest, steps: [{ run: "true" }] }
`;

let h: HooksWorld;
let push: Record<string, unknown>;

beforeAll(async () => {
  h = await startHooksWorld({
    workflows: { "ci.yml": CI, "release.yml": RELEASE },
    extraYaml: "    deploy: { branches: [main], tags: [] }\n",
    env: { SLIPWAY_WEBHOOK_SECRET: SECRET },
  });
  push = {
    ref: "refs/heads/main",
    before: "0000000000000000000000000000000000000000",
    after: h.sha,
    repository: { full_name: "acme/shop" },
    sender: { login: "alice" },
    commits: [{ added: [], removed: [], modified: ["web/start.mjs"] }],
  };
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

async function deliver(event: string, id: string, body: string, signature = signGitHubPayload(SECRET, body)) {
  return h.api.call<Record<string, unknown> & { error?: { code: string; message: string } }>(
    "POST",
    "/api/webhooks/github",
    {
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": id,
        ...(signature ? { "x-hub-signature-256": signature } : {}),
      },
    },
  );
}

const runCount = async () =>
  ((await h.api.call<{ runs: RunView[] }>("GET", "/api/runs", { token: h.token })).json.runs ?? []).length;

describe("POST /api/webhooks/github on a real server", () => {
  it("a signed push starts the workflow whose on: matches and the environment's automatic deploy", async () => {
    const { status, json } = await deliver("push", "delivery-1", JSON.stringify(push));
    expect(status).toBe(202);
    expect(json).toMatchObject({
      outcome: "accepted",
      deliveryId: "delivery-1",
      event: { kind: "push", ref: "refs/heads/main", sha: h.sha, actor: "alice" },
      runs: [{ workflow: "CI", workflowFile: ".github/workflows/ci.yml" }],
      skipped: [{ workflow: "Release", reason: expect.stringMatching(/branch/) as unknown }],
      failed: [],
      deployments: [
        {
          service: "web",
          environment: "production",
          version: `main-${h.sha.slice(0, 7)}`,
          ref: h.sha,
          matched: "main",
          result: "started",
        },
      ],
    });
    const runId = (json.runs as { runId: string }[])[0]!.runId;
    const run = await h.waitRun(runId);
    expect(run).toMatchObject({ event: "push", conclusion: "success", sha: h.sha, actor: "webhook:alice" });
    const logs = await h.api.call<string>("GET", `/api/runs/${runId}/logs`, {
      token: h.token,
      headers: { accept: "text/plain" },
    });
    expect(logs.json).toContain(`built ${h.sha} for alice`);

    const rolloutId = (json.deployments as { rolloutId: string }[])[0]!.rolloutId;
    const rollout = await h.api.call<{ rollout: { actor: string; candidate: { version: string } } }>(
      "GET",
      `/api/rollouts/${rolloutId}`,
      { token: h.token },
    );
    expect(rollout.json.rollout).toMatchObject({
      actor: "webhook:alice",
      candidate: { version: `main-${h.sha.slice(0, 7)}` },
    });
    expect((await h.world.waitFinal(rolloutId, 40_000)).phase).toBe("promoted");
  }, 90_000);

  it("answers a replayed delivery id 200 and triggers nothing again", async () => {
    const before = await runCount();
    const { status, json } = await deliver("push", "delivery-1", JSON.stringify(push));
    expect(status).toBe(200);
    expect(json).toMatchObject({ outcome: "duplicate", deliveryId: "delivery-1" });
    expect(await runCount()).toBe(before);
  });

  it("refuses a tampered body, a wrong secret and a missing signature with 401, never echoing the secret", async () => {
    const before = await runCount();
    const body = JSON.stringify(push);
    const tampered = await deliver(
      "push",
      "delivery-2",
      body.replace("alice", "mallory"),
      signGitHubPayload(SECRET, body),
    );
    const wrong = await deliver("push", "delivery-3", body, signGitHubPayload("not-the-secret", body));
    const unsigned = await deliver("push", "delivery-4", body, "");
    for (const answer of [tampered, wrong, unsigned]) {
      expect(answer.status).toBe(401);
      expect(answer.json.error?.code).toBe("SLIPWAY_UNAUTHENTICATED");
      expect(JSON.stringify(answer.json)).not.toContain(SECRET);
    }
    expect(tampered.json.error?.message).toBe(
      "the signature does not match the body under the configured secret",
    );
    expect(unsigned.json.error?.message).toMatch(/x-hub-signature-256 header is missing/);
    // A refused delivery does not take its id: the genuine one is still accepted later.
    expect(await runCount()).toBe(before);
  });

  it("answers an event it does not handle 400 with a clear message", async () => {
    const { status, json } = await deliver("issues", "delivery-5", JSON.stringify({ action: "opened" }));
    expect(status).toBe(400);
    expect(json.error?.message).toBe(
      "event issues is not handled: Slipway acts on push, pull_request, ping (untick the others in the webhook's settings)",
    );
  });

  it("accepts ping and a push no rule deploys, starting only what matches", async () => {
    expect(
      (await deliver("ping", "delivery-6", JSON.stringify({ zen: "Speak like a human." }))).json,
    ).toMatchObject({
      outcome: "ignored",
      reason: "ping",
    });
    const tag = { ...push, ref: "refs/tags/v1.0.0" };
    const { status, json } = await deliver("push", "delivery-7", JSON.stringify(tag));
    expect(status).toBe(202);
    expect(json).toMatchObject({ event: { kind: "tag" }, runs: [], deployments: [] });
  });
});
