import { describe, expect, it } from "vitest";
import { computeAffected, describeReason, ownerOf, type ServiceNode } from "./affected.js";

const services: ServiceNode[] = [
  { name: "shared", path: "packages/shared", dependsOn: [] },
  { name: "content", path: "services/content", dependsOn: ["shared"] },
  { name: "gateway", path: "services/gateway", dependsOn: ["content"] },
  { name: "brand", path: "services/brand", dependsOn: [] },
  { name: "brand-plugin", path: "services/brand/plugin", dependsOn: [] },
];

describe("computeAffected", () => {
  it("marks the owner of a changed file and nothing else", () => {
    const result = computeAffected(services, ["services/brand/src/app.js"]);
    expect(result.affected).toEqual(["brand"]);
    expect(result.services.find((s) => s.name === "brand")?.reasons).toEqual([
      { kind: "changed", files: ["services/brand/src/app.js"] },
    ]);
  });

  it("adds dependents transitively, naming the nearest cause", () => {
    const result = computeAffected(services, ["packages/shared/index.js"]);
    expect(result.affected).toEqual(["shared", "content", "gateway"]);
    const gateway = result.services.find((s) => s.name === "gateway")!;
    expect(gateway.reasons).toEqual([{ kind: "dependency-changed", via: ["content"] }]);
    expect(describeReason(gateway.reasons[0]!)).toBe("depends on content");
  });

  it("gives a file to the most specific (nested) service", () => {
    expect(ownerOf("services/brand/plugin/x.js", services)?.name).toBe("brand-plugin");
    expect(computeAffected(services, ["services/brand/plugin/x.js"]).affected).toEqual(["brand-plugin"]);
  });

  it("does not confuse a directory with a sibling that shares its prefix", () => {
    expect(computeAffected(services, ["services/content-old/readme.md"]).affected).toEqual([]);
  });

  it("treats a root lockfile change as affecting every service", () => {
    const result = computeAffected(services, ["package-lock.json", "services/brand/a.js"]);
    expect(result.affected).toHaveLength(services.length);
    expect(result.globalChange).toBe("package-lock.json");
  });

  it("reports files outside every service as unowned, affecting none", () => {
    const result = computeAffected(services, ["README.md", "docs/x.md"]);
    expect(result.affected).toEqual([]);
    expect(result.unownedFiles).toEqual(["README.md", "docs/x.md"]);
  });

  it("marks everything with the reason when history is missing", () => {
    const result = computeAffected(services, { everything: "shallow clone" });
    expect(result.affected).toHaveLength(5);
    expect(describeReason(result.services[0]!.reasons[0]!)).toBe("shallow clone");
  });

  it("passes changes through internal packages without listing them", () => {
    const withLibrary: ServiceNode[] = [
      { name: "web", path: "apps/web", dependsOn: ["@x/lib"] },
      { name: "api", path: "apps/api", dependsOn: [] },
      { name: "@x/lib", path: "packages/lib", dependsOn: [], internal: true },
    ];
    const result = computeAffected(withLibrary, ["packages/lib/index.js"]);
    expect(result.affected).toEqual(["web"]);
    expect(result.services.map((s) => s.name)).toEqual(["web", "api"]);
    expect(result.services[0]!.reasons).toEqual([{ kind: "dependency-changed", via: ["@x/lib"] }]);
  });

  it("survives a dependency cycle", () => {
    const cyclic: ServiceNode[] = [
      { name: "a", path: "a", dependsOn: ["b"] },
      { name: "b", path: "b", dependsOn: ["a"] },
      { name: "c", path: "c", dependsOn: [] },
    ];
    expect(computeAffected(cyclic, ["a/x"]).affected).toEqual(["a", "b"]);
  });
});
