import { describe, expect, it } from "vitest";
import type { RevisionSpec } from "./spec.js";
import { upgradeRevisionSpec } from "./upgrade.js";

const current: RevisionSpec = {
  revisionId: "web/production@v3",
  service: "web",
  environment: "production",
  version: "v3",
  artifact: { kind: "directory", path: "/srv/.slipway/releases/web/v3" },
  command: "node server.js",
  env: { NODE_ENV: "production" },
  replicas: 2,
  readiness: {
    check: { kind: "http", path: "/healthz" },
    initialDelayMs: 0,
    periodMs: 1000,
    timeoutMs: 1000,
    successThreshold: 1,
    failureThreshold: 3,
  },
  stopGraceMs: 10_000,
};

describe("upgradeRevisionSpec", () => {
  it("reads a spec written before artifacts (the release directory as workDir) in today's shape", () => {
    const { artifact, ...rest } = current;
    const legacy = JSON.parse(JSON.stringify({ ...rest, workDir: artifact.path })) as unknown;
    expect(upgradeRevisionSpec(legacy)).toEqual(current);
  });

  it("returns a spec in today's shape as it is", () => {
    expect(upgradeRevisionSpec(JSON.parse(JSON.stringify(current)))).toEqual(current);
  });

  it("refuses what is no revision spec, saying why", () => {
    expect(() => upgradeRevisionSpec({ revisionId: "web/production@v3", command: "x" })).toThrow(
      "stored revision spec is unreadable: it has neither an artifact nor a workDir",
    );
    expect(() => upgradeRevisionSpec("web/production@v3")).toThrow(
      "stored revision spec is unreadable: not an object",
    );
  });
});
