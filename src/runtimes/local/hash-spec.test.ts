import { describe, expect, it } from "vitest";
import type { RevisionSpec } from "../port.js";
import { hashSpec } from "./local-runtime.js";

const spec: RevisionSpec = {
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

describe("hashSpec", () => {
  it("gives the hash Slipway gave this revision before artifacts, so an upgrade replaces no instance", () => {
    // Computed by the previous hashSpec on the same spec with `workDir: "/srv/.slipway/releases/web/v3"`.
    expect(hashSpec(spec)).toBe("f84172c17878742e");
  });

  it("ignores the replica count and changes with what runs", () => {
    expect(hashSpec({ ...spec, replicas: 5 })).toBe(hashSpec(spec));
    expect(hashSpec({ ...spec, artifact: { kind: "directory", path: "/srv/other" } })).not.toBe(
      hashSpec(spec),
    );
    expect(hashSpec({ ...spec, command: "node other.js" })).not.toBe(hashSpec(spec));
  });
});
