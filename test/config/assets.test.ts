import { describe, expect, it } from "vitest";
import { parseProjectConfig } from "../../src/config/load.js";

const yaml = (assets: string) => `project: { name: shop }
services:
  web: { start: node server.js }
environments:
  production: {}
assets:
${assets}`;

describe("slipway.yaml assets", () => {
  it("maps aliases to environments; absent means no gated alias", () => {
    const config = parseProjectConfig(yaml("  widget:\n    aliases: { stable: production }\n"));
    expect(config.assets).toEqual({ widget: { aliases: { stable: "production" } } });
    expect(parseProjectConfig(yaml("  {}\n")).assets).toEqual({});
  });

  it("refuses unknown environments and bad names at file:line:col", () => {
    expect(() =>
      parseProjectConfig(yaml("  widget:\n    aliases: { stable: producton }\n"), "slipway.yaml"),
    ).toThrow(
      /slipway\.yaml:8:\d+: .*no environment 'producton' is declared under environments — did you mean 'production'\?/,
    );
    expect(() =>
      parseProjectConfig(yaml("  widget:\n    aliases: { 1-stable: production }\n"), "slipway.yaml"),
    ).toThrow(/slipway\.yaml:8:\d+: .*expected an alias name/);
    expect(() => parseProjectConfig(yaml("  Widget: {}\n"), "slipway.yaml")).toThrow(
      /slipway\.yaml:7:\d+: .*expected an asset bundle name/,
    );
    expect(() =>
      parseProjectConfig(yaml("  widget:\n    channels: { stable: production }\n"), "slipway.yaml"),
    ).toThrow(/slipway\.yaml:8:\d+: .*channels/);
  });
});
