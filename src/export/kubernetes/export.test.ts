import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseProjectConfig } from "../../config/load.js";
import { exportKubernetes, type Manifest } from "./index.js";
import { validateManifests } from "./validate.js";

const example = (name: string) =>
  parseProjectConfig(
    readFileSync(join(import.meta.dirname, "../../../examples/kubernetes", name, "slipway.yaml"), "utf8"),
  );
const base = { images: {}, gateway: { name: "public", namespace: "gateways" }, flagFiles: [] };
/** The value at a dotted path of an object ("spec.strategy.canary.steps", "metrics.0.name"). */
const dig = (value: unknown, path: string): unknown =>
  path.split(".").reduce((at: unknown, key) => (at as Record<string, unknown> | undefined)?.[key], value);
const find = (manifests: Manifest[], kind: string, name: string, path = ""): unknown => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind}/${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(", ")}`,
    );
  return path === "" ? found : dig(found, path);
};

const config = example("plasma");
const plasma = await exportKubernetes(config, {
  ...base,
  environment: "production",
  images: { gateway: "ghcr.io/plasma/gateway:1.4.0" },
  namespace: "plasma",
  flagFiles: [{ name: "flags.json", text: '{"flags":{}}' }],
});
const widget = await exportKubernetes(example("widget"), { ...base, environment: "production" });

describe("exportKubernetes: a canary environment (seed 004's shape)", () => {
  const out = plasma;

  it("writes a Rollout, two Services, an HTTPRoute and the AnalysisTemplates per service, and the flags ConfigMap", () => {
    expect(out.manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      "AnalysisTemplate/gateway-production",
      "AnalysisTemplate/gateway-production-step-3",
      "AnalysisTemplate/research-production",
      "AnalysisTemplate/research-production-step-3",
      "ConfigMap/plasma-engine-flags",
      "HTTPRoute/gateway",
      "HTTPRoute/research",
      "Rollout/gateway",
      "Rollout/research",
      "Service/gateway-canary",
      "Service/gateway-stable",
      "Service/research-canary",
      "Service/research-stable",
    ]);
    expect(out.manifests.every((m) => m.metadata.namespace === "plasma")).toBe(true);
  });

  it("keeps the steps in order: approval pause, header route, weights, pauses and the analysis step", () => {
    const canary = find(out.manifests, "Rollout", "gateway", "spec.strategy.canary");
    expect(dig(canary, "steps")).toEqual([
      { pause: {} },
      {
        setHeaderRoute: {
          name: "canary-header",
          match: [{ headerName: "x-canary", headerValue: { exact: "always" } }],
        },
      },
      { setWeight: 10 },
      { pause: { duration: "5m" } },
      { analysis: { templates: [{ templateName: "gateway-production-step-3" }] } },
      { setWeight: 50 },
      { pause: { duration: "10m" } },
    ]);
    expect(dig(canary, "analysis.startingStep")).toBe(2);
    expect(dig(canary, "trafficRouting.plugins")).toHaveProperty("argoproj-labs/gatewayAPI", {
      httpRoutes: [{ name: "gateway", useHeaderRoutes: true }],
      namespace: "plasma",
    });
  });

  it("turns placeholders into args the Rollout fills, and a threshold into a successCondition", () => {
    const template = find(out.manifests, "AnalysisTemplate", "gateway-production", "spec");
    expect(dig(template, "args")).toEqual([{ name: "revision" }, { name: "service" }]);
    expect(dig(template, "metrics")).toHaveLength(1);
    const query = dig(template, "metrics.0.provider.prometheus.query");
    expect(query).toContain('service="{{args.service}}"');
    expect(query).toContain('rollouts_pod_template_hash="{{args.revision}}"');
    expect(dig(template, "metrics.0")).toMatchObject({
      successCondition: "result[0] <= 0.05",
      interval: "1m",
      failureLimit: 1,
    });
    const args = find(out.manifests, "Rollout", "gateway", "spec.strategy.canary.analysis.args");
    expect(args).toEqual([
      { name: "revision", valueFrom: { podTemplateHashValue: "Latest" } },
      { name: "service", value: "gateway" },
    ]);
  });

  it("runs the service's start command in its image with PORT and Slipway's variables", () => {
    const container = find(out.manifests, "Rollout", "gateway", "spec.template.spec.containers.0");
    expect(dig(container, "image")).toBe("ghcr.io/plasma/gateway:1.4.0");
    expect(dig(container, "command")).toEqual(["sh", "-c", "node src/server.js"]);
    expect(dig(container, "env")).toContainEqual({ name: "PORT", value: "8080" });
    expect(dig(container, "env")).toContainEqual({ name: "SLIPWAY_ENVIRONMENT", value: "production" });
    expect(dig(container, "readinessProbe")).toMatchObject({
      httpGet: { path: "/ready", port: "http" },
      periodSeconds: 5,
    });
    expect(find(out.manifests, "Rollout", "gateway", "spec.replicas")).toBe(3);
  });

  it("lists what has no equivalent instead of dropping it", () => {
    const paths = out.untranslated.map((u) => u.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "environments.production.analysis.metrics[1]",
        "environments.production.freezeWindows",
        "environments.production.approval.approvers",
        "services.gateway.build",
        "services.research",
      ]),
    );
    expect(out.untranslated.find((u) => u.path === "services.research")?.reason).toMatch(
      /placeholder research:REPLACE-WITH-YOUR-IMAGE/,
    );
    // The environment's settings are listed once, not once per service.
    expect(paths.filter((p) => p === "environments.production.freezeWindows")).toHaveLength(1);
  });

  it("routes the staging environment's own hosts", async () => {
    const staging = await exportKubernetes(config, { ...base, environment: "staging" });
    expect(find(staging.manifests, "HTTPRoute", "gateway", "spec.hostnames")).toEqual([
      "staging.plasma.example",
    ]);
    expect(find(staging.manifests, "Rollout", "gateway", "spec.replicas")).toBe(1);
  });
});

describe("exportKubernetes: a blue-green environment (seed 000's shape)", () => {
  const out = widget;

  it("switches active and preview Services, smoke-tests before and analyses after promotion", () => {
    const blueGreen = find(out.manifests, "Rollout", "widget-api", "spec.strategy.blueGreen");
    expect(blueGreen).toEqual({
      activeService: "widget-api-active",
      previewService: "widget-api-preview",
      autoPromotionEnabled: false,
      scaleDownDelaySeconds: 300,
      prePromotionAnalysis: { templates: [{ templateName: "widget-api-production-smoke" }] },
      postPromotionAnalysis: { templates: [{ templateName: "widget-api-production" }] },
    });
    const job = find(
      out.manifests,
      "AnalysisTemplate",
      "widget-api-production-smoke",
      "spec.metrics.0.provider.job",
    );
    const container = dig(job, "spec.template.spec.containers.0");
    expect(dig(container, "command")).toEqual(["sh", "-c", "./scripts/smoke.sh"]);
    expect(dig(container, "env")).toEqual([
      { name: "SLIPWAY_PREVIEW_URL", value: "http://widget-api-preview" },
    ]);
    expect(dig(job, "spec.activeDeadlineSeconds")).toBe(120);
    expect(find(out.manifests, "HTTPRoute", "widget-api", "spec.rules.0.backendRefs")).toEqual([
      { name: "widget-api-active", port: 80, weight: 1 },
    ]);
  });
});

describe("exportKubernetes: refusals", () => {
  it("names an unknown environment and an --image for an unknown service", async () => {
    await expect(exportKubernetes(example("widget"), { ...base, environment: "prod" })).rejects.toThrow(
      /prod/,
    );
    await expect(
      exportKubernetes(example("widget"), { ...base, environment: "production", images: { web: "x:1" } }),
    ).rejects.toThrow(/--image web=…: slipway.yaml has no service "web" \(services: widget-api\)/);
  });

  it("validates every object against its schema and names what it refused", async () => {
    const bad: Manifest = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "web" },
      spec: { replicas: "two" },
    };
    await expect(validateManifests([bad])).rejects.toThrow(/Rollout\/web: .*replicas must be integer/);
    await expect(
      validateManifests([{ apiVersion: "v9", kind: "Thing", metadata: { name: "x" } }]),
    ).rejects.toThrow(/Thing\/x: no schema for v9 Thing/);
  });
});
