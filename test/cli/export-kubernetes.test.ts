// `slipway export kubernetes` through the built CLI (npm run build first): files written per object,
// the YAML stream, --json, and refusals with exit 2. No cluster runs here: the export validates each
// object against the published Kubernetes, Argo Rollouts and Gateway API schemas itself.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { runCli } from "../pipelines/helpers.js";

interface ConfigMap {
  data: Record<string, string>;
}

const PLASMA = resolve(import.meta.dirname, "../../examples/kubernetes/plasma");
const out = mkdtempSync(join(tmpdir(), "slipway-k8s-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const cli = (args: string[]) =>
  runCli(["export", "kubernetes", "--dir", PLASMA, ...args], { cwd: tmpdir(), timeoutMs: 30_000 });

describe("slipway export kubernetes", () => {
  it("writes one file per object and lists the untranslated settings on stderr", async () => {
    const result = await cli([
      "--env",
      "production",
      "--out",
      out,
      "--image",
      "gateway=ghcr.io/plasma/gateway:1.4.0",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`wrote 13 manifests to ${out}\n`);
    expect(result.stderr).toMatch(/^not translated \(\d+\):/);
    expect(result.stderr).toContain(
      "environments.production.freezeWindows: Argo Rollouts has no freeze windows",
    );
    const files = readdirSync(out).sort();
    expect(files).toContain("rollout-gateway.yaml");
    expect(files).toContain("configmap-plasma-engine-flags.yaml");
    const flags = parseYaml(
      readFileSync(join(out, "configmap-plasma-engine-flags.yaml"), "utf8"),
    ) as ConfigMap;
    expect(JSON.parse(flags.data["flags.json"] ?? "")).toHaveProperty(
      "flags.new-ranker.defaultVariant",
      "off",
    );
    const rollout: unknown = parseYaml(readFileSync(join(out, "rollout-gateway.yaml"), "utf8"));
    expect(rollout).toHaveProperty(
      ["spec", "template", "spec", "containers", 0, "image"],
      "ghcr.io/plasma/gateway:1.4.0",
    );
  });

  it("prints one YAML stream without --out, and one document with --json", async () => {
    const stream = await cli(["--env", "staging"]);
    expect(stream.code).toBe(0);
    const docs = parseAllDocuments(stream.stdout).map((d) => d.toJS() as { kind: string });
    // Staging: per service a Rollout, two Services and an HTTPRoute (no analysis metrics), and the flags.
    expect(docs.map((d) => d.kind).sort()).toEqual([
      "ConfigMap",
      ...Array<string>(2).fill("HTTPRoute"),
      ...Array<string>(2).fill("Rollout"),
      ...Array<string>(4).fill("Service"),
    ]);
    const json = JSON.parse((await cli(["--env", "staging", "--json"])).stdout) as {
      manifests: unknown[];
      untranslated: unknown[];
    };
    expect(json.manifests).toEqual(docs);
    expect(json.untranslated.length).toBeGreaterThan(0);
  });

  it("refuses an unknown environment or service with exit 2, writing nothing", async () => {
    const badImage = await cli(["--env", "production", "--image", "web=x:1", "--out", join(out, "never")]);
    expect(badImage.code).toBe(2);
    expect(badImage.stderr).toContain('--image web=…: slipway.yaml has no service "web"');
    expect(readdirSync(out)).not.toContain("never");
    const badEnv = await cli(["--env", "prod"]);
    expect(badEnv.code).not.toBe(0);
    expect(badEnv.stderr).toMatch(/prod/);
  });
});
