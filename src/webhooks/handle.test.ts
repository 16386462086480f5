import { describe, expect, it } from "vitest";
import { MemoryDeliveryLog } from "./deliveries.js";
import { pushToMain } from "./fixtures.test-support.js";
import { handleGitHubWebhook, webhookSecretsFrom, type WebhookDeps } from "./handle.js";
import { signGitHubPayload } from "./signature.js";

const secret = "handle-secret";
const body = Buffer.from(JSON.stringify(pushToMain));
const headers = (id: string) => ({
  "x-hub-signature-256": signGitHubPayload(secret, body),
  "x-github-event": "push",
  "x-github-delivery": id,
});

function deps(overrides: Partial<WebhookDeps> = {}) {
  const deploys: unknown[] = [];
  const value: WebhookDeps = {
    secrets: () => [secret],
    deliveries: new MemoryDeliveryLog(),
    runs: { trigger: () => Promise.reject(new Error("/srv/app is not inside a git repository")) },
    deploy: (request) => {
      deploys.push(request);
      return Promise.resolve({ result: "started", message: "ok", rollout: { id: "r-1" } });
    },
    project: () => ({
      environments: { staging: { branches: ["main"], tags: [] } },
      services: [{ name: "api", path: "services/api" }],
    }),
    now: () => 0,
    ...overrides,
  };
  return { value, deploys };
}

describe("handleGitHubWebhook", () => {
  it("still deploys when no workflow can run, and reports why the runs did not start", async () => {
    const { value, deploys } = deps();
    const reply = await handleGitHubWebhook({ headers: headers("d1"), body }, value);
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({
      runs: [],
      failed: [{ message: "/srv/app is not inside a git repository" }],
      deployments: [{ service: "api", environment: "staging", result: "started", rolloutId: "r-1" }],
    });
    expect(deploys).toEqual([
      {
        service: "api",
        environment: "staging",
        version: "main-2222222",
        ref: pushToMain.after,
        actor: "webhook:alice",
        reason: "push to main matched deploy rule main (delivery d1)",
      },
    ]);
  });

  it("reports a refused deploy in the answer, not as a failed delivery", async () => {
    const { value } = deps({ deploy: () => Promise.reject(new Error("production is frozen until 18:00")) });
    const reply = await handleGitHubWebhook({ headers: headers("d2"), body }, value);
    expect(reply).toMatchObject({
      status: 202,
      body: { deployments: [{ result: "refused", message: "production is frozen until 18:00" }] },
    });
  });

  it("answers 503 without a configured secret, and reads the secret and the previous one from the environment", async () => {
    const { value } = deps({ secrets: () => [] });
    expect((await handleGitHubWebhook({ headers: headers("d3"), body }, value)).status).toBe(503);
    expect(
      webhookSecretsFrom({ SLIPWAY_WEBHOOK_SECRET: "new", SLIPWAY_WEBHOOK_SECRET_PREVIOUS: "old" }),
    ).toEqual(["new", "old"]);
    expect(webhookSecretsFrom({ SLIPWAY_WEBHOOK_SECRET: "" })).toEqual([]);
  });
});
