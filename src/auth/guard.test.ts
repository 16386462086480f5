import { describe, expect, it } from "vitest";
import { ACTION_RULES } from "../core/access/actions.js";
import { GLOBAL, type Resource } from "../core/access/can.js";
import { ROUTES } from "../core/access/routes.js";
import type { Role } from "../core/access/roles.js";
import { createUser, issueApiToken, signIn } from "./accounts.js";
import { guardRequest } from "./guard.js";
import { MemoryAccessStore } from "./memory-store.js";
import { TokenBucketLimiter } from "./rate-limit.js";

const FAST = { N: 1024, r: 8, p: 1 };
const now = Date.parse("2026-11-25T12:00:00Z");
const staging: Resource = { kind: "environment", environment: "staging" };

async function setup() {
  const store = new MemoryAccessStore();
  const tokens = {} as Record<Role, string>;
  for (const role of ["viewer", "deployer", "admin"] as const) {
    tokens[role] = (await issueApiToken(store, { name: role, role, createdBy: "setup", now })).token;
  }
  await createUser(store, {
    name: "alice",
    password: "a long passphrase",
    role: "deployer",
    now,
    scrypt: FAST,
  });
  const session = await signIn(store, {
    name: "alice",
    password: "a long passphrase",
    now,
    ttlMs: 3_600_000,
    scrypt: FAST,
  });
  if (!session.ok) throw new Error("sign-in failed");
  return { store, tokens, session };
}

describe("guardRequest: every route × every role × anonymous", async () => {
  const { store, tokens } = await setup();
  const callers = ["anonymous", "viewer", "deployer", "admin"] as const;
  const cases = ROUTES.flatMap((route) => callers.map((caller) => ({ ...route, caller })));

  it.each(cases)("$caller $method $path", async ({ method, action, caller }) => {
    const headers = caller === "anonymous" ? {} : { authorization: `Bearer ${tokens[caller]}` };
    const resource = action !== "public" && ACTION_RULES[action].scope === "environment" ? staging : GLOBAL;
    const result = await guardRequest({ store }, { method, headers, action, resource }, now);
    if (action === "public") return expect(result.ok).toBe(true);
    const needed = ACTION_RULES[action].minimumRole;
    const rank = { anonymous: -1, viewer: 0, deployer: 1, admin: 2 };
    if (caller === "anonymous")
      expect(result).toMatchObject({ ok: false, status: 401, code: "SLIPWAY_UNAUTHENTICATED" });
    // Taking workflow jobs needs a runner token, whatever the role (src/core/access/can.ts).
    else if (action === "take-jobs")
      expect(result).toMatchObject({ ok: false, status: 403, code: "SLIPWAY_FORBIDDEN" });
    else if (rank[caller] >= rank[needed])
      expect(result).toMatchObject({ ok: true, decision: { effect: "allow" } });
    else expect(result).toMatchObject({ ok: false, status: 403, code: "SLIPWAY_FORBIDDEN" });
  });
});

describe("guardRequest", () => {
  it("asks cookie sessions for the CSRF token on mutations only", async () => {
    const { store, session } = await setup();
    const cookie = `slipway_session=${session.sessionId}`;
    const deploy = { method: "POST", action: "deploy" as const, resource: staging };
    expect(await guardRequest({ store }, { ...deploy, headers: { cookie } }, now)).toMatchObject({
      ok: false,
      status: 403,
      code: "SLIPWAY_FORBIDDEN",
      message: "missing or wrong x-slipway-csrf header",
    });
    expect(
      await guardRequest({ store }, { ...deploy, headers: { cookie, "x-slipway-csrf": "forged" } }, now),
    ).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(
      await guardRequest(
        { store },
        { ...deploy, headers: { cookie, "x-slipway-csrf": session.csrfToken } },
        now,
      ),
    ).toMatchObject({ ok: true, auth: { via: "session", principal: { name: "alice" } } });
    expect(
      await guardRequest(
        { store },
        { method: "GET", action: "read", resource: GLOBAL, headers: { cookie } },
        now,
      ),
    ).toMatchObject({ ok: true });
  });

  it("answers 401 with WWW-Authenticate for a bad token, but lets public routes through", async () => {
    const { store } = await setup();
    const headers = { authorization: "Bearer slp_000000000000_" + "a".repeat(43) };
    expect(
      await guardRequest({ store }, { method: "GET", action: "read", resource: GLOBAL, headers }, now),
    ).toEqual({
      ok: false,
      status: 401,
      code: "SLIPWAY_UNAUTHENTICATED",
      message: "the API token is not valid",
      headers: { "www-authenticate": 'Bearer realm="slipway"' },
    });
    expect(
      await guardRequest(
        { store },
        { method: "POST", action: "public", resource: GLOBAL, headers: { cookie: "slipway_session=stale" } },
        now,
      ),
    ).toMatchObject({ ok: true, auth: { via: "anonymous" } });
  });

  it("rate-limits per token with 429 and Retry-After", async () => {
    const { store, tokens } = await setup();
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, now: () => now });
    const read = (token: string) =>
      guardRequest(
        { store, limiter },
        { method: "GET", action: "read", resource: GLOBAL, headers: { authorization: `Bearer ${token}` } },
        now,
      );
    expect(await read(tokens.viewer)).toMatchObject({ ok: true, headers: { "ratelimit-remaining": "1" } });
    await read(tokens.viewer);
    expect(await read(tokens.viewer)).toEqual({
      ok: false,
      status: 429,
      code: "SLIPWAY_RATE_LIMITED",
      message: "too many requests; slow down",
      headers: { "ratelimit-limit": "2", "ratelimit-remaining": "0", "retry-after": "1" },
    });
    expect(await read(tokens.admin)).toMatchObject({ ok: true });
  });

  it("passes an approval hold through to the route", async () => {
    const { store, tokens } = await setup();
    const production: Resource = { kind: "environment", environment: "production", rule: { approval: true } };
    expect(
      await guardRequest(
        { store },
        {
          method: "POST",
          action: "deploy",
          resource: production,
          headers: { authorization: `Bearer ${tokens.deployer}` },
        },
        now,
      ),
    ).toMatchObject({ ok: true, decision: { effect: "hold" } });
  });
});
