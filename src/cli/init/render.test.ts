import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseProjectConfig } from "../../config/load.js";
import { renderConfig, siteIndex } from "./render.js";

const found = (...labels: string[]) =>
  labels.map((label) => ({
    path: `services/${label}`,
    label,
    start: "npm start",
    reasons: ["start script"],
  }));

const prefixes = (text: string): Record<string, string | undefined> => {
  const doc = parse(text) as { services: Record<string, { routes: { pathPrefix: string }[] }> };
  return Object.fromEntries(Object.entries(doc.services).map(([name, s]) => [name, s.routes[0]?.pathPrefix]));
};

describe("siteIndex", () => {
  it.each([
    [["api", "web"], 1],
    [["api", "shop-frontend", "worker"], 1],
    [["api", "worker"], 0],
    [["admin", "app", "www"], 1],
    [["web-api", "web"], 1],
    [[], 0],
  ])("%j → %i", (names, index) => expect(siteIndex(names)).toBe(index));
});

describe("renderConfig", () => {
  it("gives `/` to the service that looks like the site and a prefix of its own to each other one", () => {
    const rendered = renderConfig("shop", found("api", "web"));
    expect(prefixes(rendered.text)).toEqual({ api: "/api", web: "/" });
    expect(rendered.services).toEqual(["api", "web"]);
    expect(() => parseProjectConfig(rendered.text)).not.toThrow();
  });

  it("gives `/` to the first service when no name says which is the site", () => {
    const rendered = renderConfig("shop", found("billing", "orders"));
    expect(prefixes(rendered.text)).toEqual({ billing: "/", orders: "/orders" });
    expect(() => parseProjectConfig(rendered.text)).not.toThrow();
  });
});
