import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// Runs the built CLI (`npm run build` first, as `npm test` does).
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function slipway(args: string[], yaml?: string) {
  const dir = mkdtempSync(join(tmpdir(), "slipway-config-cli-"));
  dirs.push(dir);
  if (yaml !== undefined) writeFileSync(join(dir, "slipway.yaml"), yaml);
  const result = spawnSync(process.execPath, [BIN, ...args, "--dir", dir], {
    encoding: "utf8",
    timeout: 20_000,
  });
  return { dir, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("slipway config", () => {
  it("validate prints a one-line summary for a valid file", () => {
    const r = slipway(
      ["config", "validate"],
      "project: { name: shop }\nservices:\n  web: { start: node server.js }\n",
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `${join(r.dir, "slipway.yaml")} is valid: 1 service (web), 1 environment (production)\n`,
    );
  });

  it("validate names the file, line and column of the problem and exits 2", () => {
    const r = slipway(
      ["config", "validate"],
      "project: { name: shop }\nservices:\n  web:\n    start: x\n    replcas: 2\n",
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "slipway: slipway.yaml:5:5: services.web.replcas: unknown key 'replcas' — did you mean 'replicas'?\n",
    );
  });

  it("validate lists several problems under one summary line", () => {
    const r = slipway(
      ["config", "validate"],
      "project: { name: shop }\nservices:\n  web:\n    start: x\n    readiness: { http: health, period: 2 }\n",
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      [
        "slipway: slipway.yaml has 2 problems",
        '  slipway.yaml:5:24: services.web.readiness.http: expected a path starting with "/", got "health"',
        '  slipway.yaml:5:40: services.web.readiness.period: expected a duration like "500ms", "2s", "5m" or "1h30m", got 2',
        "",
      ].join("\n"),
    );
  });

  it("validate reports a missing file as not found, pointing at slipway init", () => {
    const r = slipway(["config", "validate"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `slipway: no slipway.yaml in ${r.dir}: run \`slipway init --dir ${r.dir}\` to write one for the services it finds there\n`,
    );
  });

  it("show prints the configuration with defaults applied", () => {
    const r = slipway(
      ["config", "show"],
      "project: { name: shop }\nservices:\n  web: { start: node server.js }\n",
    );
    expect(r.status).toBe(0);
    const shown = JSON.parse(r.stdout) as {
      services: { web: { readiness: { failureThreshold: number } } };
      environments: {
        production: { analysis: { triggers: { errorRate: { above: number; forMs: number } } } };
      };
    };
    expect(shown.services.web.readiness.failureThreshold).toBe(3);
    expect(shown.environments.production.analysis.triggers.errorRate).toEqual({
      above: 0.05,
      forMs: 300_000,
    });
  });
});
