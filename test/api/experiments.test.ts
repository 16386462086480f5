import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, startWorld, type ApiHarness, type World } from "./support.js";

/**
 * Experiments through real HTTP: create (with 4xx reasons), the providers' event batches posted by a
 * client key, first exposures that stay put when the allocation changes (also in OFREP answers),
 * results with intervals and the SRM check, and start / stop / ship in the audit trail.
 */
let world: World;
let api: ApiHarness;
let viewer: string;
let deployer: string;
let clientKey: string;

const split = (on: number) => ({
  state: "ENABLED",
  variants: { on: true, off: false },
  defaultVariant: "off",
  targeting: {
    fractional: [
      ["on", on],
      ["off", 100 - on],
    ],
  },
});

const at = (second: number) => new Date(Date.UTC(2026, 11, 6, 10, 0, second)).toISOString();
const exposure = (user: string, variant: string, second = 0) => ({
  kind: "exposure",
  flagKey: "checkout",
  variant,
  reason: "TARGETING_MATCH",
  targetingKey: user,
  timestamp: at(second),
});
const conversion = (user: string, name: string, details: Record<string, unknown> = {}, second = 1) => ({
  kind: "conversion",
  name,
  targetingKey: user,
  details,
  timestamp: at(second),
});

async function post(events: unknown[], token = clientKey) {
  return api.call<{ exposures: Record<string, number>; conversions: Record<string, number> }>(
    "POST",
    "/api/flags/events",
    { token, body: { events } },
  );
}

beforeAll(async () => {
  world = await startWorld({});
  api = await startApi(world);
  viewer = (await api.token("viewer", "vera")).token;
  deployer = (await api.token("deployer", "dora")).token;
  const admin = (await api.token("admin", "ada")).token;
  clientKey = (
    await api.call<{ token: string }>("POST", "/api/tokens", {
      token: admin,
      body: { name: "shop", scope: "flags:evaluate" },
    })
  ).json.token;
  await api.call("PUT", "/api/flags/checkout", { token: deployer, body: { flag: split(50), reason: "a/b" } });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await world?.close();
});

type Results = {
  experiment: { status: string };
  metrics: {
    metric: { event: string };
    variants: {
      variant: string;
      exposures: number;
      value: number;
      verdict: string;
      lift: { estimate: number; interval: { lower: number; upper: number } } | null;
      alwaysValid: { lower: number; upper: number } | null;
    }[];
    converted: number[];
    sampleRatio: { pValue: number; mismatch: boolean };
    trustworthy: boolean;
    winner: string | null;
  }[];
  series: { bucketMs: number; buckets: { variant: string; exposures: number }[] };
};

describe("experiments API", () => {
  it("refuses bad definitions with the reason, and viewers", async () => {
    const body = {
      key: "checkout-ab",
      flag: "checkout",
      metrics: [{ event: "purchase", kind: "conversion" }],
      reason: "does the new checkout convert better?",
    };
    expect((await api.call("POST", "/api/experiments", { token: viewer, body })).status).toBe(403);
    const unknownFlag = await api.call("POST", "/api/experiments", {
      token: deployer,
      body: { ...body, flag: "nope" },
    });
    expect(unknownFlag.status).toBe(404);
    const badVariant = await api.call("POST", "/api/experiments", {
      token: deployer,
      body: { ...body, allocation: { on: 1, blue: 1 } },
    });
    expect(badVariant.status).toBe(400);
    expect(badVariant.json.error?.message).toContain('"blue" are not variants of flag "checkout"');
    const noMetric = await api.call("POST", "/api/experiments", {
      token: deployer,
      body: { ...body, metrics: [] },
    });
    expect(noMetric.status).toBe(400);
    expect(noMetric.json.error?.problems?.join(" ")).toContain("metrics");

    const created = await api.call<{ experiment: Record<string, unknown> }>("POST", "/api/experiments", {
      token: deployer,
      body: { ...body, metrics: [...body.metrics, { event: "revenue", kind: "value" }] },
    });
    expect(created.status).toBe(201);
    // The allocation comes from the flag's fractional split, control from its default variant.
    expect(created.json.experiment).toMatchObject({
      status: "draft",
      control: "off",
      allocation: { on: 50, off: 50 },
      createdBy: "dora",
    });
    expect((await api.call("POST", "/api/experiments", { token: deployer, body })).status).toBe(409);
  });

  it("counts nothing before the start; a client key posts events; bad events are refused whole", async () => {
    expect((await post([exposure("early", "on")])).json.exposures).toMatchObject({ recorded: 0, ignored: 1 });
    const bad = await post([exposure("u", "on"), { ...exposure("u", "on"), timestamp: "yesterday" }]);
    expect(bad.status).toBe(400);
    expect(bad.json as unknown as { error: { problems: string[] } }).toMatchObject({
      error: { problems: [expect.stringContaining("events.1.timestamp")] },
    });
    // A client key can post events but not start experiments.
    const denied = await api.call("POST", "/api/experiments/checkout-ab/start", {
      token: clientKey,
      body: { reason: "x" },
    });
    expect(denied.status).toBe(403);
    const started = await api.call("POST", "/api/experiments/checkout-ab/start", {
      token: deployer,
      body: { reason: "go" },
    });
    expect(started.status).toBe(200);
    const again = await api.call("POST", "/api/experiments/checkout-ab/start", {
      token: deployer,
      body: { reason: "go" },
    });
    expect(again.status).toBe(409);
    expect(again.json.error?.message).toContain("only a draft experiment starts");
  });

  it("keeps each user's first assignment, in results and in OFREP answers, when the allocation changes", async () => {
    // 2000 users per arm; "on" converts 40 % (i % 10 in 0, 6), "off" 20 % (i % 10 = 3).
    const USERS = 4000;
    const convertsOn = (i: number) => i % 10 === 0 || i % 10 === 6;
    const convertsOff = (i: number) => i % 10 === 3;
    const events: unknown[] = [];
    for (let i = 0; i < USERS; i++) {
      const user = `user-${i}`;
      const variant = i % 2 === 0 ? "on" : "off";
      events.push(exposure(user, variant));
      if (variant === "on" ? convertsOn(i) : convertsOff(i)) {
        events.push(conversion(user, "purchase"), conversion(user, "revenue", { value: 20 }));
      }
    }
    // A conversion before its user's exposure does not count; neither does an unknown event.
    events.push(conversion("late-user", "purchase", {}, 0), exposure("late-user", "on", 5));
    events.push(conversion("user-0", "newsletter"));
    let recorded = 0;
    for (let i = 0; i < events.length; i += 1000) {
      const reply = await post(events.slice(i, i + 1000));
      expect(reply.status).toBe(202);
      recorded += reply.json.exposures.recorded!;
    }
    expect(recorded).toBe(USERS + 1);

    // user-1 was assigned "off" and has not converted. The flag moves to 100 % "on"; its exposure
    // now says "on", and its conversion after the ramp must count for "off".
    await api.call("PUT", "/api/flags/checkout", {
      token: deployer,
      body: { flag: split(100), reason: "ramp" },
    });
    const moved = await post([exposure("user-1", "on", 10), conversion("user-1", "purchase", {}, 11)]);
    expect(moved.json.exposures).toMatchObject({ recorded: 0, repeated: 1, conflicting: 1 });
    const ofrep = await fetch(`${api.base}/ofrep/v1/evaluate/flags/checkout`, {
      method: "POST",
      headers: { authorization: `Bearer ${clientKey}`, "content-type": "application/json" },
      body: JSON.stringify({ context: { targetingKey: "user-1" } }),
    });
    expect(await ofrep.json()).toMatchObject({ variant: "off", value: false });
    const newcomer = await fetch(`${api.base}/ofrep/v1/evaluate/flags/checkout`, {
      method: "POST",
      headers: { authorization: `Bearer ${clientKey}`, "content-type": "application/json" },
      body: JSON.stringify({ context: { targetingKey: "someone-new" } }),
    });
    expect(await newcomer.json()).toMatchObject({ variant: "on" });

    const results = await api.call<Results>("GET", "/api/experiments/checkout-ab/results", { token: viewer });
    expect(results.status).toBe(200);
    const [purchase, revenue] = results.json.metrics;
    const on = purchase!.variants.find((v) => v.variant === "on")!;
    const off = purchase!.variants.find((v) => v.variant === "off")!;
    const nOn = USERS / 2 + 1; // with late-user
    const nOff = USERS / 2;
    expect([on.exposures, off.exposures]).toEqual([nOn, nOff]);
    const convertedOn = (USERS / 10) * 2; // residues 0 and 6: 2 of every 10 users
    const convertedOff = USERS / 10 + 1; // residue 3, and user-1 after the ramp
    expect(convertedOn).toBe(800);
    expect(purchase!.converted).toEqual([convertedOn, convertedOff]);
    const pt = convertedOn / nOn;
    const pc = convertedOff / nOff;
    expect(on.value).toBeCloseTo(pt, 12);
    expect(off.value).toBeCloseTo(pc, 12);
    // Lift by the delta method, written out: (p_t/p_c − 1) ± z·√(v_t/p_c² + p_t²·v_c/p_c⁴), where
    // v = s²/n and s² the sample variance of 0/1 values, p(1 − p)·n/(n − 1).
    const vt = (pt * (1 - pt)) / (nOn - 1);
    const vc = (pc * (1 - pc)) / (nOff - 1);
    const se = Math.sqrt(vt / pc ** 2 + (pt ** 2 * vc) / pc ** 4);
    expect(on.lift!.estimate).toBeCloseTo(pt / pc - 1, 10);
    expect(on.lift!.interval.lower).toBeCloseTo(pt / pc - 1 - 1.959963984540054 * se, 6);
    expect(on.lift!.interval.upper).toBeCloseTo(pt / pc - 1 + 1.959963984540054 * se, 6);
    expect(on.alwaysValid!.lower).toBeLessThan(on.lift!.interval.lower);
    expect(on.verdict).toBe("better");
    expect(purchase!.sampleRatio.mismatch).toBe(false);
    expect(purchase!.trustworthy).toBe(true);
    expect(purchase!.winner).toBe("on");
    expect(revenue!.variants.find((v) => v.variant === "on")!.value).toBeCloseTo(
      (convertedOn * 20) / nOn,
      10,
    );
    expect(results.json.series.buckets.reduce((n, b) => n + b.exposures, 0)).toBe(USERS + 1);
  });

  it("marks a sample-ratio mismatch untrustworthy and names no winner", async () => {
    await api.call("PUT", "/api/flags/checkout", {
      token: deployer,
      body: { flag: split(50), reason: "back" },
    });
    await api.call("POST", "/api/experiments", {
      token: deployer,
      body: {
        key: "srm",
        flag: "checkout",
        metrics: [{ event: "purchase", kind: "conversion" }],
        reason: "x",
      },
    });
    await api.call("POST", "/api/experiments/checkout-ab/stop", {
      token: deployer,
      body: { reason: "done" },
    });
    expect(
      (await api.call("POST", "/api/experiments/srm/start", { token: deployer, body: { reason: "go" } }))
        .status,
    ).toBe(200);
    // 50/50 expected; 600 vs 400 observed: chi-square = 40, p ≈ 2.5e-10.
    const events = Array.from({ length: 1000 }, (_, i) => exposure(`srm-${i}`, i < 600 ? "on" : "off"));
    await post(events);
    const results = await api.call<Results>("GET", "/api/experiments/srm/results", { token: viewer });
    expect(results.json.metrics[0]!.sampleRatio.mismatch).toBe(true);
    expect(results.json.metrics[0]!.sampleRatio.pValue).toBeLessThan(1e-9);
    expect(results.json.metrics[0]!.trustworthy).toBe(false);
    expect(results.json.metrics[0]!.winner).toBeNull();
  });

  it("ships a variant: the flag serves it to everyone, both changes audited", async () => {
    const noVariant = await api.call("POST", "/api/experiments/checkout-ab/ship", {
      token: deployer,
      body: { variant: "purple", reason: "x" },
    });
    expect(noVariant.status).toBe(400);
    const shipped = await api.call<{ experiment: { status: string; shippedVariant: string } }>(
      "POST",
      "/api/experiments/checkout-ab/ship",
      { token: deployer, body: { variant: "on", reason: "30 % vs 10 %" } },
    );
    expect(shipped.status).toBe(200);
    expect(shipped.json.experiment).toMatchObject({ status: "shipped", shippedVariant: "on" });
    const flag = await api.call<{
      flag: { defaultVariant: string; targeting?: unknown };
      history: { reason: string; actor: string }[];
    }>("GET", "/api/flags/checkout", { token: viewer });
    expect(flag.json.flag.defaultVariant).toBe("on");
    expect(flag.json.flag.targeting).toBeUndefined();
    expect(flag.json.history[0]).toMatchObject({
      actor: "dora",
      reason: "ship on of experiment checkout-ab: 30 % vs 10 %",
    });
    const audit = await api.call<{ events: { type: string; actor: string; reason?: string }[] }>(
      "GET",
      "/api/history?limit=100",
      { token: viewer },
    );
    const types = audit.json.events.filter((e) => e.type.startsWith("api.experiment.")).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        "api.experiment.created",
        "api.experiment.start",
        "api.experiment.stop",
        "api.experiment.shipped",
      ]),
    );
    const list = await api.call<{ experiments: { key: string; status: string }[] }>(
      "GET",
      "/api/experiments",
      {
        token: viewer,
      },
    );
    expect(list.json.experiments.map((e) => [e.key, e.status])).toEqual([
      ["srm", "running"],
      ["checkout-ab", "shipped"],
    ]);
  });
});
