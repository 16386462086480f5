import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectJsonSchema } from "../../src/core/config/json-schema.js";

const SCHEMA_FILE = join(import.meta.dirname, "..", "..", "schema", "slipway.schema.json");

describe("schema/slipway.schema.json", () => {
  const committed = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;

  it("matches the zod schema (run `node scripts/gen-schema.mjs` after changing src/core/config)", () => {
    expect(committed).toEqual(projectJsonSchema());
  });

  it("tells editors about keys, defaults and closed mappings", () => {
    type Obj = {
      properties: Record<string, Obj>;
      additionalProperties: Obj | boolean;
      default?: unknown;
      required?: string[];
    };
    const root = committed as unknown as Obj;
    expect(root.additionalProperties).toBe(false);
    expect(root.required).toEqual(["project", "services"]);
    const service = root.properties.services!.additionalProperties as Obj;
    expect(service.required).toEqual(["start"]);
    expect(service.additionalProperties).toBe(false);
    expect(service.properties.replicas!.default).toBe(1);
    expect(service.properties.readiness!.properties.failureThreshold!.default).toBe(3);
    const environment = root.properties.environments!.additionalProperties as Obj;
    const triggers = environment.properties.analysis!.properties.triggers!;
    expect(Object.keys(triggers.properties)).toEqual([
      "errorRate",
      "latency",
      "latencyVsBaseline",
      "consecutiveHealthFailures",
    ]);
  });
});

describe("docs/configuration.md", () => {
  const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "configuration.md"), "utf8");

  /** Every property name anywhere in the JSON Schema. */
  function keys(node: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(node)) node.forEach((n) => keys(n, out));
    else if (node !== null && typeof node === "object") {
      const obj = node as Record<string, unknown>;
      if (obj.properties && typeof obj.properties === "object")
        Object.keys(obj.properties).forEach((k) => out.add(k));
      Object.values(obj).forEach((v) => keys(v, out));
    }
    return out;
  }

  it("documents every key of slipway.yaml", () => {
    const undocumented = [...keys(projectJsonSchema())].filter(
      (key) => !doc.includes(`\`${key}\``) && !doc.includes(`.${key}\``),
    );
    expect(undocumented).toEqual([]);
  });
});
