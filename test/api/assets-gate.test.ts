import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectYaml } from "../rollouts/world.js";
import { ACCESS_YAML, publishWidgets, startApi, startWorld, type ApiHarness, type World } from "./support.js";

/**
 * Gated alias moves over real HTTP: `stable` maps to production (coverage >= 90 %), `beta` to
 * nothing. Evidence attached through the API; moves refused by the policy name the rule and the
 * report, only an admin overrides, refusals and overrides are audited, rollbacks need only the role.
 */
const YAML = `${projectYaml(
  "1s",
  `    policy:
      require: [coverage]
      minCoverage: 90
`,
)}assets:
  widget:
    aliases:
      stable: production
`;
const lcov = (hit: number, lines: number) =>
  [
    "SF:widget.js",
    ...Array.from({ length: lines }, (_, i) => `DA:${i + 1},${i < hit ? 1 : 0}`),
    `LF:${lines}`,
    `LH:${hit}`,
    "end_of_record",
    "",
  ].join("\n");

let world: World;
let api: ApiHarness;
let deployer: string;
let admin: string;

beforeAll(async () => {
  world = await startWorld({}, YAML);
  api = await startApi(world);
  await publishWidgets(world, api, ["1.3.0", "1.4.0"]);
  deployer = (await api.token("deployer", "dora")).token;
  admin = (await api.token("admin", "ada")).token;
  for (const [version, hit] of [
    ["1.3.0", 19],
    ["1.4.0", 14],
  ] as const) {
    const added = await api.call("POST", `/api/releases/widget/${version}/evidence`, {
      token: deployer,
      body: { file: "lcov.info", content: lcov(hit, 20), runId: 7, job: "test" },
    });
    expect(added.status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await api?.close();
  await world?.close();
});

const put = (token: string, alias: string, version: string, extra: Record<string, unknown> = {}) =>
  api.call<{ moved: { toVersion: string } | null; error?: { message: string } }>(
    "PUT",
    `/api/assets/widget/aliases/${alias}`,
    { token, body: { version, reason: "ship", ...extra } },
  );
const events = async () =>
  (
    await api.call<{ events: { type: string; actor: string; message: string; reason?: string }[] }>(
      "GET",
      "/api/history?limit=100",
      { token: admin },
    )
  ).json.events;

describe("alias moves gated by the environment's policy", () => {
  it("admits evidence that passes, refuses what does not, lets only an admin override, rolls back ungated", async () => {
    expect((await put(deployer, "stable", "1.3.0")).json.moved).toMatchObject({ toVersion: "1.3.0" });

    const refused = await put(deployer, "stable", "1.4.0");
    expect(refused.status).toBe(409);
    expect(refused.json.error?.message).toBe(
      "widget stable: widget 1.4.0 is refused by the production policy: coverage 70 % < 90 % (lcov from run 7, job test)",
    );
    expect((await events()).find((e) => e.type === "assets.alias.policy-refused")).toMatchObject({
      actor: "dora",
      message: expect.stringContaining("coverage 70 % < 90 %") as string,
    });

    const notAdmin = await put(deployer, "stable", "1.4.0", { policyOverride: { reason: "hotfix" } });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.json.error?.message).toContain(
      "only an admin may override the production release policy",
    );
    expect((await put(admin, "stable", "1.4.0", { policyOverride: { reason: " " } })).status).toBe(400);
    const overridden = await put(admin, "stable", "1.4.0", { policyOverride: { reason: "hotfix" } });
    expect(overridden.json.moved).toMatchObject({ toVersion: "1.4.0" });
    expect((await events()).find((e) => e.type === "assets.alias.policy-override")).toMatchObject({
      actor: "ada",
      reason: "hotfix",
    });

    // The rollback returns to 1.3.0 without asking the policy; 1.4.0 back again would be refused
    // for a deployer but a second rollback (undo) is a rollback too.
    const rolled = await api.call("POST", "/api/assets/widget/aliases/stable/rollback", {
      token: deployer,
      body: { reason: "checkout broke" },
    });
    expect(rolled.status).toBe(200);
    expect((await put(deployer, "stable", "1.4.0")).status).toBe(409);

    // An alias slipway.yaml does not map is not gated.
    expect((await put(deployer, "beta", "1.4.0")).json.moved).toMatchObject({ toVersion: "1.4.0" });
  });

  it("accepts evidence for a declared asset bundle, refuses unknown names", async () => {
    const unknown = await api.call<{ error: { message: string } }>(
      "POST",
      "/api/releases/gadget/1.0.0/evidence",
      {
        token: deployer,
        body: { file: "lcov.info", content: lcov(1, 1) },
      },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('no service or asset bundle "gadget" in slipway.yaml');
  });
});

describe("alias moves gated by the environment's access rules", () => {
  let access: World;
  let accessApi: ApiHarness;
  beforeAll(async () => {
    access = await startWorld(
      {},
      `${ACCESS_YAML}assets:\n  widget:\n    aliases:\n      stable: production\n      internal: locked\n      hotfix: frozen\n`,
    );
    accessApi = await startApi(access);
    await publishWidgets(access, accessApi, ["1.0.0"]);
  }, 60_000);
  afterAll(async () => {
    await accessApi?.close();
    await access?.close();
  });

  it("needs the environment's role, is not held for an approval, and is refused in a freeze unless an admin overrides", async () => {
    const dora = (await accessApi.token("deployer", "dora")).token;
    const ada = (await accessApi.token("admin", "ada")).token;
    const move = (token: string, alias: string, extra: Record<string, unknown> = {}) =>
      accessApi.call<{ error?: { message: string } }>("PUT", `/api/assets/widget/aliases/${alias}`, {
        token,
        body: { version: "1.0.0", reason: "ship", ...extra },
      });
    const approval = await move(dora, "stable");
    expect(approval.status).toBe(403);
    expect(approval.json.error?.message).toContain(
      "production requires an approval; alias moves are not held",
    );
    expect((await move(ada, "stable")).status).toBe(200);
    expect((await move(dora, "internal")).status).toBe(403);
    const frozen = await move(dora, "hotfix");
    expect(frozen.status).toBe(409);
    expect(frozen.json.error?.message).toContain("test freeze");
    expect((await move(ada, "hotfix", { override: { reason: "incident 12" } })).status).toBe(200);
    const events = (
      await accessApi.call<{ events: { type: string; reason?: string }[] }>("GET", "/api/history?limit=100", {
        token: ada,
      })
    ).json.events;
    expect(events.find((e) => e.type === "assets.alias.freeze-override")?.reason).toBe("incident 12");
    expect(events.filter((e) => e.type === "assets.alias.refused")).toHaveLength(3);
  });
});
