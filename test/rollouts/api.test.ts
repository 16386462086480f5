import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/server/client.js";
import { startWorld, type World } from "./world.js";
import { serveWorldApi, type WorldApi } from "./world-api.js";

let world: World;
let served: WorldApi;
let base: string;
let token: string;

beforeAll(async () => {
  world = await startWorld({ "v-never": { NEVER_READY: "1" } });
  served = await serveWorldApi(world, "test");
  ({ base, token } = served);
}, 60_000);

afterAll(async () => {
  await served?.close();
  await world?.close();
});

async function raw(method: string, path: string, body?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
}

describe("rollouts HTTP API answers 4xx saying why", () => {
  it.each([
    ["malformed JSON", "POST", "/api/deployments", "{", 400, /not valid JSON/],
    ["missing fields", "POST", "/api/deployments", "{}", 400, /service: .*environment: .*version: /],
    [
      "unknown field",
      "POST",
      "/api/deployments",
      '{"service":"web","environment":"production","version":"v1","x":1}',
      400,
      /Unrecognized key/i,
    ],
    [
      "rollback without a reason",
      "POST",
      "/api/rollbacks",
      '{"service":"web","environment":"production"}',
      400,
      /reason/,
    ],
    [
      "unknown service",
      "POST",
      "/api/deployments",
      '{"service":"nope","environment":"production","version":"v1"}',
      404,
      /no service 'nope' in slipway.yaml \(services: web\)/,
    ],
    [
      "unknown environment",
      "POST",
      "/api/deployments",
      '{"service":"web","environment":"qa","version":"v1"}',
      404,
      /no environment 'qa'/,
    ],
    ["unknown rollout", "GET", "/api/rollouts/r-999", undefined, 404, /no rollout r-999/],
    ["unknown route", "GET", "/api/nothing", undefined, 404, /no API route \/api\/nothing/],
    ["wrong method", "DELETE", "/api/deployments", undefined, 405, /DELETE is not allowed/],
    [
      "nothing to roll back to",
      "POST",
      "/api/rollbacks",
      '{"service":"web","environment":"production","reason":"x"}',
      409,
      /no previous release/,
    ],
  ])("%s", async (_name, method, path, body, status, message) => {
    const res = await raw(method, path, body);
    expect(res.status).toBe(status);
    expect(res.json.error?.message).toMatch(message);
  });

  it("a concurrent deploy of the same version is refused naming the running rollout", async () => {
    const api = new ApiClient(base, { token });
    const first = await api.post<{ rollout: { id: string } }>("/api/deployments", {
      service: "web",
      environment: "production",
      version: "v-never",
    });
    const again = await raw(
      "POST",
      "/api/deployments",
      '{"service":"web","environment":"production","version":"v-never"}',
    );
    expect(again.status).toBe(409);
    // The phase is whatever the controller reached by then (its tick may not have run yet).
    expect(again.json.error?.message).toMatch(
      new RegExp(
        `^rollout ${first.rollout.id} \\(web/production deploy of v-never, (pending|starting)\\) is already deploying v-never$`,
      ),
    );
    await expect(
      api.post("/api/deployments", { service: "web", environment: "production", version: "v-never" }),
    ).rejects.toMatchObject({
      code: "SLIPWAY_CONFLICT",
    });
  });
});
