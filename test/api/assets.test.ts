import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assetsRootOf } from "../../src/assets/service.js";
import { publishWidgets, startApi, startWorld, type ApiHarness, type World } from "./support.js";

/**
 * Asset aliases on the control plane through real HTTP: reads, moves and rollbacks with roles,
 * refusals (unpublished version, no earlier version, bad names), the alias history, the audit
 * trail, and the alias table the data plane serves.
 */
let world: World;
let api: ApiHarness;
let viewer: string;
let deployer: string;

beforeAll(async () => {
  world = await startWorld({});
  api = await startApi(world);
  await publishWidgets(world, api, ["1.3.0", "1.4.0"]);
  viewer = (await api.token("viewer", "vera")).token;
  deployer = (await api.token("deployer", "dora")).token;
}, 60_000);

afterAll(async () => {
  await api?.close();
  await world?.close();
});

describe("/api/assets", () => {
  it("lists bundles, versions and SRI manifests", async () => {
    expect((await api.call("GET", "/api/assets", { token: viewer })).json).toEqual({ names: ["widget"] });
    const detail = await api.call<{ versions: { version: string }[] }>("GET", "/api/assets/widget", {
      token: viewer,
    });
    expect(detail.json.versions.map((v) => v.version)).toEqual(["1.4.0", "1.3.0"]);
    const manifest = await api.call<{ files: { path: string; integrity: string }[] }>(
      "GET",
      "/api/assets/widget/versions/1.4.0",
      { token: viewer },
    );
    expect(manifest.json.files[0]?.path).toBe("widget.1.4.0.js");
    expect(manifest.json.files[0]?.integrity).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
    expect((await api.call("GET", "/api/assets/widget/versions/9.0.0", { token: viewer })).status).toBe(404);
  });

  it("moves and rolls back an alias with roles, history, audit and the served alias table", async () => {
    const put = (token: string, version: string, reason = "ship") =>
      api.call<{ moved: { fromVersion: string | null; toVersion: string } | null }>(
        "PUT",
        "/api/assets/widget/aliases/stable",
        { token, body: { version, reason } },
      );
    expect((await put(viewer, "1.3.0")).status).toBe(403);
    expect((await put(deployer, "2.0.0")).status).toBe(404);
    expect((await put(deployer, "1.3.0")).json.moved).toMatchObject({
      fromVersion: null,
      toVersion: "1.3.0",
    });
    // A new alias has nothing to return to.
    expect(
      (await api.call("POST", "/api/assets/widget/aliases/stable/rollback", { token: deployer, body: {} }))
        .status,
    ).toBe(409);
    expect((await put(deployer, "1.4.0", "release 1.4.0")).json.moved).toMatchObject({
      fromVersion: "1.3.0",
    });
    const table = () =>
      JSON.parse(readFileSync(join(assetsRootOf(api.app.dataDir), "aliases.json"), "utf8")) as unknown;
    expect(table()).toEqual({ widget: { stable: "1.4.0" } });

    const rolled = await api.call<{ moved: { action: string; toVersion: string } }>(
      "POST",
      "/api/assets/widget/aliases/stable/rollback",
      { token: deployer, body: { reason: "checkout broke" } },
    );
    expect(rolled.status).toBe(200);
    expect(rolled.json.moved).toMatchObject({ action: "rollback", toVersion: "1.3.0" });
    expect(table()).toEqual({ widget: { stable: "1.3.0" } });

    const history = await api.call<{
      history: { action: string; fromVersion: string | null; toVersion: string; actor: string }[];
    }>("GET", "/api/assets/widget/aliases/stable/history", { token: viewer });
    expect(history.json.history.map((m) => [m.action, m.fromVersion, m.toVersion, m.actor])).toEqual([
      ["rollback", "1.4.0", "1.3.0", "dora"],
      ["move", "1.3.0", "1.4.0", "dora"],
      ["move", null, "1.3.0", "dora"],
    ]);

    const audit = await api.call<{ events: { type: string; actor: string; reason?: string }[] }>(
      "GET",
      "/api/history?limit=100",
      { token: viewer },
    );
    const events = audit.json.events.filter((e) => e.type.startsWith("api.assets."));
    expect(events.map((e) => [e.type, e.reason])).toEqual(
      expect.arrayContaining([
        ["api.assets.alias.move", "release 1.4.0"],
        ["api.assets.alias.rollback", "checkout broke"],
      ]),
    );
  });

  it("refuses bad names with what was expected", async () => {
    const bad = await api.call<{ error: { message: string } }>("PUT", "/api/assets/widget/aliases/1.0.0", {
      token: deployer,
      body: { version: "1.3.0" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/starting with a letter/);
  });
});
