import { describe, expect, it } from "vitest";
import { planAutoDeploys, versionFor } from "./auto-deploy.js";
import { parseGitHubDelivery, type TriggerEvent } from "./events.js";
import { pullRequestOpened, pushTag, pushToMain } from "./fixtures.test-support.js";

const eventOf = (name: string, payload: unknown): TriggerEvent => {
  const parsed = parseGitHubDelivery(name, "d", payload);
  if (parsed.outcome !== "event") throw new Error(parsed.reason);
  return parsed.event;
};
const services = [
  { name: "api", path: "services/api" },
  { name: "cart", path: "./services/cart/" },
  { name: "web", path: "web" },
];
const environments = {
  staging: { branches: ["main", "release/*"], tags: [] },
  production: { branches: [], tags: ["v*.*.*"] },
};

describe("planAutoDeploys", () => {
  it("deploys the services a branch push changed to environments whose branch glob matches", () => {
    expect(planAutoDeploys(eventOf("push", pushToMain), environments, services)).toEqual([
      {
        service: "api",
        environment: "staging",
        version: "main-2222222",
        ref: pushToMain.after,
        matched: "main",
      },
      {
        service: "cart",
        environment: "staging",
        version: "main-2222222",
        ref: pushToMain.after,
        matched: "main",
      },
    ]);
  });

  it("deploys every service for a matching tag, and nothing for an unmatched branch or a pull request", () => {
    expect(
      planAutoDeploys(eventOf("push", pushTag), environments, services).map(
        (p) => `${p.service}@${p.environment}:${p.version}`,
      ),
    ).toEqual(["api@production:v1.4.0", "cart@production:v1.4.0", "web@production:v1.4.0"]);
    expect(
      planAutoDeploys(eventOf("push", { ...pushToMain, ref: "refs/heads/dev" }), environments, services),
    ).toEqual([]);
    expect(planAutoDeploys(eventOf("pull_request", pullRequestOpened), environments, services)).toEqual([]);
  });

  it("matches nested branch globs and deploys all services when the push lists no files", () => {
    const push = eventOf("push", { ...pushToMain, ref: "refs/heads/release/2.0", commits: [] });
    expect(planAutoDeploys(push, environments, services).map((p) => p.version)).toEqual([
      "release-2.0-2222222",
      "release-2.0-2222222",
      "release-2.0-2222222",
    ]);
  });
});

describe("versionFor", () => {
  it("keeps versions inside the API's name rule", () => {
    const push = eventOf("push", { ...pushToMain, ref: "refs/heads/feat/ü x" });
    expect(versionFor(push as Extract<TriggerEvent, { kind: "push" }>)).toBe("feat-x-2222222");
  });
});
