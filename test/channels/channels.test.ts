import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUp, type RunningUp } from "../support/slipway-up.js";
import { FIXTURE_APP, START_SCRIPT } from "../rollouts/world.js";

/**
 * Release channels end to end, through the CLI and the HTTP API of a real `slipway up`: a canary
 * channel on an environment that deploys blue-green, a promotion beta → stable, the refusal to
 * promote something beta does not hold, one-command rollback, a frozen channel, and a flag channel
 * whose move is a flag change that OFREP then serves to the channel's users.
 */
const BIN = resolve(import.meta.dirname, "../../bin/slipway.js");
const dir = mkdtempSync(join(tmpdir(), "slipway-channels-"));
let up: RunningUp | undefined;
let apiUrl = "";
let token = "";
/** How the audit trail names the admin-token file's holder. */
const ADMIN = "local admin (admin-token file)";

const environment = (extra = "") => `
    readinessTimeout: 6s
    scaleDownDelay: 30s
    drainTimeout: 1s
    analysis:
      window: 1s
      interval: 250ms
      triggers: { latencyVsBaseline: false }${extra}`;

const YAML = `project: { name: chan }
services:
  web:
    path: web
    start: node start.mjs
    env: { SLIPWAY_FIXTURE_APP: ${FIXTURE_APP} }
    readiness: { http: { path: /healthz }, period: 200ms, timeout: 1s }
    stopGracePeriod: 2s
environments:
  production:${environment()}
  beta:${environment(`
    services: { web: { routes: [{ pathPrefix: /beta }] } }`)}
  lts:${environment(`
    freezeWindows: [{ cron: "* * * * *", duration: 1h, reason: quiet period }]
    services: { web: { routes: [{ pathPrefix: /lts }] } }`)}
channels:
  stable: { strategy: blue-green, environment: production, description: what customers get }
  beta:
    strategy: canary
    environment: beta
    steps: [{ setWeight: 50 }, { pause: 300ms }]
  alpha: { strategy: flag, flag: web-release, variant: alpha, services: [web] }
  lts: { strategy: blue-green, environment: lts }
`;

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1", SLIPWAY_URL: "", SLIPWAY_TOKEN: "" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", connection: "close" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T & { error?: { message: string } } };
}

interface Move {
  version: string;
  previous?: string;
  from?: string;
  kind: string;
  actor: string;
  reason: string;
  rolloutId?: string;
}
interface View {
  strategy: string;
  services: { service: string; version: string | null; live: string | null }[];
}
const show = (name: string) => call<{ channel: View; history: Move[] }>("GET", `/api/channels/${name}`);

beforeAll(async () => {
  mkdirSync(join(dir, "web"));
  writeFileSync(join(dir, "slipway.yaml"), YAML);
  writeFileSync(join(dir, "web", "start.mjs"), START_SCRIPT);
  writeFileSync(join(dir, "web", "faults.json"), "{}");
  up = await startUp(dir);
  apiUrl = up.apiUrl;
  token = readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();
}, 60_000);

afterAll(async () => {
  await up?.stop();
}, 30_000);

describe("release channels against `slipway up`", { timeout: 150_000 }, () => {
  it("moves through a canary channel, promotes beta → stable, refuses what beta does not hold, rolls back", async () => {
    const listed = cli(["channel", "list"]);
    expect(listed.stderr).toBe("");
    expect(listed.stdout).toMatch(/^stable\s+blue-green\s+environment production\s+web -$/m);
    expect(listed.stdout).toMatch(/^alpha\s+flag\s+flag web-release variant alpha\s+web -$/m);

    // beta deploys blue-green by its environment; the channel makes the move a canary with its steps.
    const intoBeta = cli([
      "channel",
      "move",
      "web",
      "v1",
      "--to",
      "beta",
      "--reason",
      "try v1",
      "--wait",
      "--json",
    ]);
    expect(intoBeta.stderr).toBe("");
    expect(intoBeta.status).toBe(0);
    const rolloutId = (JSON.parse(intoBeta.stdout) as { move: Move }).move.rolloutId;
    const rollout = await call<{ rollout: { strategy: string; phase: string; environment: string } }>(
      "GET",
      `/api/rollouts/${rolloutId}`,
    );
    expect(rollout.json.rollout).toMatchObject({ strategy: "canary", environment: "beta" });

    const promoted = cli([
      "channel",
      "move",
      "web",
      "--from",
      "beta",
      "--to",
      "stable",
      "--reason",
      "v1 is good",
      "--wait",
    ]);
    expect(promoted.stderr).toBe("");
    expect(promoted.stdout).toMatch(/channel stable now holds web v1/);
    expect(cli(["channel", "move", "web", "v2", "--to", "beta", "--reason", "try v2", "--wait"]).status).toBe(
      0,
    );

    // A promotion ships what was tried: beta holds v2, so "v1 from beta" is refused and nothing moves.
    const wrong = cli([
      "channel",
      "move",
      "web",
      "v3",
      "--from",
      "beta",
      "--to",
      "stable",
      "--reason",
      "oops",
    ]);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/channel beta holds web v2, not v3/);

    expect(
      cli(["channel", "move", "web", "--from", "beta", "--to", "stable", "--reason", "v2 is good", "--wait"])
        .status,
    ).toBe(0);
    let stable = await show("stable");
    expect(stable.json.channel.services[0]).toMatchObject({ version: "v2", live: "v2" });

    const back = cli(["channel", "rollback", "stable", "web", "--reason", "v2 breaks checkout", "--wait"]);
    expect(back.stderr).toBe("");
    expect(back.stdout).toMatch(/channel stable rolled back to web v1 \(was v2\)/);
    stable = await show("stable");
    expect(stable.json.channel.services[0]).toMatchObject({ version: "v1", live: "v1" });
    expect(
      stable.json.history.map((m) => [m.kind, m.version, m.previous ?? null, m.from ?? null, m.reason]),
    ).toEqual([
      ["rollback", "v1", "v2", null, "v2 breaks checkout"],
      ["move", "v2", "v1", "beta", "v2 is good"],
      ["move", "v1", null, "beta", "v1 is good"],
    ]);
    expect(new Set(stable.json.history.map((m) => m.actor))).toEqual(new Set([ADMIN]));

    const shown = cli(["channel", "show", "stable"]);
    expect(shown.stdout).toMatch(/^stable: blue-green, environment production — what customers get$/m);
    expect(shown.stdout).toMatch(/rolled back to v1 \(was v2\)/);

    // Every move is in the audit trail with its reason.
    const audit = await call<{ events: { type: string; actor: string; reason?: string }[] }>(
      "GET",
      "/api/history?limit=200",
    );
    expect(audit.json.events).toContainEqual(
      expect.objectContaining({ type: "api.channel.rolled-back", reason: "v2 breaks checkout" }),
    );
    expect(audit.json.events).toContainEqual(
      expect.objectContaining({ type: "api.channel.moved", reason: "v2 is good" }),
    );
  });

  it("a move into a frozen channel is refused like a deploy, and nothing is recorded", async () => {
    const frozen = await call("POST", "/api/channels/lts/moves", {
      service: "web",
      version: "v1",
      reason: "lts",
    });
    expect(frozen.status).toBe(409);
    expect(frozen.json.error?.message).toMatch(/quiet period/);
    expect((await show("lts")).json.history).toEqual([]);
  });

  it("a flag channel's move sets the variant its users get, through the flags control plane", async () => {
    const flag = {
      state: "ENABLED",
      variants: { stable: "v1", alpha: "v1" },
      defaultVariant: "stable",
      targeting: { if: [{ "==": [{ var: "group" }, "alpha"] }, "alpha", "stable"] },
    };
    expect((await call("PUT", "/api/flags/web-release", { flag, reason: "alpha testers" })).status).toBe(201);
    const moved = await call<{ result: string }>("POST", "/api/channels/alpha/moves", {
      service: "web",
      version: "v3",
      reason: "alpha gets v3",
    });
    expect(moved.status).toBe(202);
    const evaluate = async (group: string) =>
      (
        await call<{ value: string }>("POST", "/ofrep/v1/evaluate/flags/web-release", {
          context: { targetingKey: "u1", group },
        })
      ).json.value;
    expect(await evaluate("alpha")).toBe("v3");
    expect(await evaluate("everyone")).toBe("v1");
    const history = await call<{ history: { actor: string; reason: string }[] }>(
      "GET",
      "/api/flags/web-release/history",
    );
    expect(history.json.history[0]).toMatchObject({ actor: ADMIN, reason: "channel alpha: alpha gets v3" });

    // Before its first move the channel held what the variant said: one command goes back to it.
    const back = cli(["channel", "rollback", "alpha", "web", "--reason", "v3 crashes on Safari"]);
    expect(back.stderr).toBe("");
    expect(back.stdout).toMatch(/channel alpha rolled back to web v1 \(was v3\)/);
    expect(await evaluate("alpha")).toBe("v1");
    const again = cli(["channel", "rollback", "alpha", "web", "--reason", "twice"]);
    expect(again.stdout).toMatch(/rolled back to web v3 \(was v1\)/);
  });
});
