import { describe, expect, it } from "vitest";
import { parseProjectConfig } from "./load.js";
import { SlipwayError } from "../core/errors.js";
import { channelEnvironment, planChannelRollback, planMove } from "../core/channels/index.js";
import type { RolloutChannelConfig } from "../core/config/types.js";

const BASE = `project: { name: shop }
services:
  web: { start: node web.js }
  api: { start: node api.js, routes: [{ pathPrefix: /api }] }
environments:
  production: {}
  beta:
    services: { web: { routes: [{ pathPrefix: /beta }] }, api: { routes: [{ pathPrefix: /beta-api }] } }
`;

function problems(channels: string): string[] {
  try {
    parseProjectConfig(`${BASE}channels:\n${channels}`);
  } catch (error) {
    expect(error).toBeInstanceOf(SlipwayError);
    const e = error as SlipwayError;
    return e.details.problems ?? [e.message];
  }
  throw new Error("expected the channels to be refused");
}

const config = parseProjectConfig(`${BASE}channels:
  stable: { strategy: blue-green, environment: production }
  beta: { strategy: canary, environment: beta, services: [web], steps: [{ setWeight: 25 }, { pause: manual }] }
  alpha: { strategy: flag, flag: web-release, variant: alpha, services: [web] }
`);
const stable = config.channels.stable!;
const beta = config.channels.beta!;
const alpha = config.channels.alpha!;

describe("channels in slipway.yaml", () => {
  it("normalizes each strategy: every service by default, canary steps in the rollout's form", () => {
    expect(stable).toEqual({
      name: "stable",
      strategy: "blue-green",
      environment: "production",
      services: ["web", "api"],
    });
    expect(beta).toMatchObject({
      strategy: "canary",
      services: ["web"],
      steps: [
        { kind: "setWeight", weight: 25 },
        { kind: "pause", manual: true },
      ],
    });
    expect(alpha).toEqual({
      name: "alpha",
      strategy: "flag",
      flag: "web-release",
      variant: "alpha",
      services: ["web"],
    });
  });

  it("refuses what a strategy lacks or does not take, with file:line:col and what was expected", () => {
    expect(problems("  alpha: { strategy: flag, services: [web] }\n")).toEqual([
      "slipway.yaml:10:3: channels.alpha: a flag channel needs `flag`: the flag whose variant holds the version",
      "slipway.yaml:10:3: channels.alpha: a flag channel needs `variant`: the variant of the flag that takes the version",
    ]);
    expect(
      problems("  alpha: { strategy: flag, flag: f, variant: a, environment: beta, services: [web] }\n"),
    ).toEqual([
      "slipway.yaml:10:62: channels.alpha.environment: environment applies to blue-green and canary channels, not to flag channels",
    ]);
    expect(problems("  alpha: { strategy: flag, flag: f, variant: a }\n")).toEqual([
      "slipway.yaml:10:22: channels.alpha.strategy: a flag channel holds one version, so it moves one service: name it in services (2 declared)",
    ]);
    expect(
      problems("  stable: { strategy: blue-green, environment: prodution, steps: [{ setWeight: 5 }] }\n"),
    ).toEqual([
      "slipway.yaml:10:48: channels.stable.environment: no environment 'prodution' is declared under environments — did you mean 'production'?",
      "slipway.yaml:10:59: channels.stable.steps: steps apply to canary channels only (set strategy: canary)",
    ]);
    expect(problems("  stable: { strategy: rolling, environment: production }\n")[0]).toMatch(
      /^slipway\.yaml:10:23: channels\.stable\.strategy: expected "blue-green", "canary" or "flag"/,
    );
  });

  it("refuses two channels moving the same service in one environment", () => {
    expect(
      problems(
        "  stable: { strategy: blue-green, environment: production }\n  gold: { strategy: canary, environment: production, services: [api] }\n",
      ),
    ).toEqual([
      "slipway.yaml:11:42: channels.gold.environment: channel 'stable' already moves api in production; give each channel its own environment",
    ]);
  });
});

describe("channelEnvironment", () => {
  it("runs a canary channel's move with its steps on an environment that deploys blue-green", () => {
    const env = channelEnvironment(config.environments.beta!, beta as RolloutChannelConfig);
    expect(config.environments.beta!.strategy).toBe("blue-green");
    expect(env.strategy).toBe("canary");
    expect(env.steps).toEqual((beta as RolloutChannelConfig).steps);
    expect(env.canary).toMatchObject({ header: { name: "x-slipway-canary" }, sticky: true });
  });

  it("runs a blue-green channel's move blue-green, without canary steps", () => {
    const canaryEnv = {
      ...config.environments.beta!,
      strategy: "canary" as const,
      steps: [],
      canary: { sticky: true },
    };
    const env = channelEnvironment(canaryEnv, stable as RolloutChannelConfig);
    expect(env.strategy).toBe("blue-green");
    expect(env).not.toHaveProperty("steps");
    expect(env).not.toHaveProperty("canary");
  });
});

describe("planMove", () => {
  const from = (version?: string) => ({ channel: beta, ...(version && { holding: { version } }) });

  it("promotes what the from channel holds, replacing what the channel held", () => {
    expect(
      planMove({ channel: stable, service: "web", from: from("1.4.0"), holding: { version: "1.3.0" } }),
    ).toEqual({
      kind: "move",
      version: "1.4.0",
      previous: "1.3.0",
      from: "beta",
    });
    expect(planMove({ channel: stable, service: "web", version: "1.4.0", from: from("1.4.0") })).toEqual({
      kind: "move",
      version: "1.4.0",
      from: "beta",
    });
  });

  it.each([
    [
      { channel: stable, service: "web", version: "1.5.0", from: from("1.4.0") },
      "SLIPWAY_CONFLICT",
      /beta holds web 1.4.0, not 1.5.0/,
    ],
    [
      { channel: stable, service: "web", from: from() },
      "SLIPWAY_CONFLICT",
      /beta holds no version of web yet/,
    ],
    [
      { channel: beta, service: "api", version: "1.0.0" },
      "SLIPWAY_INVALID_ARGUMENT",
      /beta moves web, not api/,
    ],
    [
      { channel: stable, service: "api", from: from("1.0.0") },
      "SLIPWAY_INVALID_ARGUMENT",
      /beta does not move api/,
    ],
    [{ channel: beta, service: "web", from: from("1.0.0") }, "SLIPWAY_INVALID_ARGUMENT", /into itself/],
    [{ channel: stable, service: "web" }, "SLIPWAY_INVALID_ARGUMENT", /name the version/],
  ] as const)("refuses %#", (input, code, message) => {
    const plan = planMove(input);
    expect(plan).toMatchObject({ kind: "refuse", code });
    expect(plan.kind === "refuse" && plan.message).toMatch(message);
  });

  it("is a no-op when the channel already holds the version", () => {
    expect(
      planMove({ channel: alpha, service: "web", version: "2.0.0", holding: { version: "2.0.0" } }),
    ).toEqual({
      kind: "noop",
      message: "channel alpha already holds web 2.0.0",
    });
  });
});

describe("planChannelRollback", () => {
  it("returns to the version the newest move replaced, and refuses when there is none", () => {
    expect(
      planChannelRollback({ channel: stable, service: "web", holding: { version: "2", previous: "1" } }),
    ).toEqual({
      kind: "move",
      version: "1",
      previous: "2",
    });
    expect(planChannelRollback({ channel: stable, service: "web", holding: { version: "1" } })).toMatchObject(
      {
        kind: "refuse",
        code: "SLIPWAY_CONFLICT",
        message:
          "channel stable has no previous version of web to roll back to (it holds 1 since its first move)",
      },
    );
    expect(planChannelRollback({ channel: alpha, service: "api" })).toMatchObject({
      kind: "refuse",
      code: "SLIPWAY_INVALID_ARGUMENT",
    });
  });
});
