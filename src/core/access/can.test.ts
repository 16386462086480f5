import { describe, expect, it } from "vitest";
import { ACTIONS, ACTION_RULES, type Action } from "./actions.js";
import { can, GLOBAL, type Resource } from "./can.js";
import { matchRoute, ROUTES } from "./routes.js";
import { ANONYMOUS, type Principal, type Role } from "./roles.js";

const person = (role: Role, environmentRoles?: Record<string, Role>): Principal => ({
  kind: "user",
  id: `u-${role}`,
  name: role,
  role,
  ...(environmentRoles ? { environmentRoles } : {}),
});
const staging: Resource = { kind: "environment", environment: "staging" };
const resourceFor = (action: Action): Resource =>
  ACTION_RULES[action].scope === "environment" ? staging : GLOBAL;

// The expected matrix written out by hand, so a change to ACTION_RULES has to be made twice.
const EXPECTED: Record<Action, Record<Role | "anonymous", "allow" | 401 | 403>> = {
  read: { anonymous: 401, viewer: "allow", deployer: "allow", admin: "allow" },
  "read-audit": { anonymous: 401, viewer: "allow", deployer: "allow", admin: "allow" },
  deploy: { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  promote: { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  abort: { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  rollback: { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  approve: { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  "override-freeze": { anonymous: 401, viewer: 403, deployer: 403, admin: "allow" },
  "trigger-run": { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  "cancel-run": { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  "read-dead-letters": { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  "resend-dead-letter": { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  "read-tokens": { anonymous: 401, viewer: 403, deployer: 403, admin: "allow" },
  "manage-tokens": { anonymous: 401, viewer: 403, deployer: 403, admin: "allow" },
  "read-users": { anonymous: 401, viewer: 403, deployer: 403, admin: "allow" },
  "manage-users": { anonymous: 401, viewer: 403, deployer: 403, admin: "allow" },
  "edit-flags": { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  "evaluate-flags": { anonymous: 401, viewer: "allow", deployer: "allow", admin: "allow" },
  "move-asset-aliases": { anonymous: 401, viewer: 403, deployer: "allow", admin: "allow" },
  // Only a runner token takes jobs (below); no role does.
  "take-jobs": { anonymous: 401, viewer: 403, deployer: 403, admin: 403 },
};

describe("can", () => {
  const cases = ACTIONS.flatMap((action) =>
    (["anonymous", "viewer", "deployer", "admin"] as const).map((who) => ({
      action,
      who,
      want: EXPECTED[action][who],
    })),
  );
  it.each(cases)("$who → $action: $want", ({ action, who, want }) => {
    const principal = who === "anonymous" ? ANONYMOUS : person(who);
    const decision = can(principal, action, resourceFor(action));
    if (want === "allow") expect(decision.effect).toBe("allow");
    else expect(decision).toMatchObject({ effect: "deny", status: want });
  });

  it("lets a flags:evaluate client key evaluate flags and nothing else, saying so", () => {
    const key: Principal = {
      kind: "token",
      id: "k1",
      name: "web-app",
      role: "admin",
      scope: "flags:evaluate",
    };
    expect(can(key, "evaluate-flags", GLOBAL).effect).toBe("allow");
    for (const action of ACTIONS.filter((a) => a !== "evaluate-flags")) {
      expect(can(key, action, resourceFor(action))).toEqual({
        effect: "deny",
        status: 403,
        reason:
          "web-app is a client key (scope flags:evaluate): it can only evaluate flags (/ofrep/v1/*, /api/flags/document, /api/flags/stream, /api/flags/events)",
      });
    }
  });

  it("lets a runner token take jobs and nothing else, and nothing else take jobs", () => {
    const runner: Principal = { kind: "token", id: "r1", name: "host-b", role: "viewer", scope: "runner" };
    expect(can(runner, "take-jobs", GLOBAL).effect).toBe("allow");
    for (const action of ACTIONS.filter((a) => a !== "take-jobs")) {
      expect(can(runner, action, resourceFor(action))).toEqual({
        effect: "deny",
        status: 403,
        reason: "host-b is a runner token (scope runner): it can only take workflow jobs (/api/runner/*)",
      });
    }
    expect(can(person("admin"), "take-jobs", GLOBAL)).toMatchObject({ effect: "deny", status: 403 });
  });

  it("holds deploys into an environment that requires approval, for admins too", () => {
    const production: Resource = { kind: "environment", environment: "production", rule: { approval: true } };
    expect(can(person("deployer"), "deploy", production)).toEqual({
      effect: "hold",
      role: "deployer",
      reason: "production requires an approval",
    });
    expect(can(person("admin"), "deploy", production).effect).toBe("hold");
    // Rollback is the way out of trouble: never held.
    expect(can(person("deployer"), "rollback", production).effect).toBe("allow");
    expect(can(person("viewer"), "deploy", production)).toMatchObject({ effect: "deny", status: 403 });
  });

  it("applies per-environment roles of the principal in both directions", () => {
    const ci = person("viewer", { staging: "deployer" });
    expect(can(ci, "deploy", staging).effect).toBe("allow");
    expect(can(ci, "deploy", { kind: "environment", environment: "production" })).toMatchObject({
      status: 403,
    });
    const held = person("deployer", { production: "viewer" });
    expect(can(held, "deploy", { kind: "environment", environment: "production" })).toMatchObject({
      effect: "deny",
      reason: "deploy in production needs the deployer role; deployer is viewer",
    });
    // Global actions use the base role, not an environment's.
    expect(can(ci, "trigger-run", GLOBAL)).toMatchObject({ effect: "deny", status: 403 });
  });

  it("lets an environment tighten the role an action needs but never loosen it", () => {
    const locked: Resource = {
      kind: "environment",
      environment: "production",
      rule: { minimumRoles: { deploy: "admin", rollback: "viewer" } },
    };
    expect(can(person("deployer"), "deploy", locked)).toMatchObject({ effect: "deny", status: 403 });
    expect(can(person("admin"), "deploy", locked).effect).toBe("allow");
    expect(can(person("viewer"), "rollback", locked)).toMatchObject({ effect: "deny", status: 403 });
  });

  it("denies an environment action asked without an environment instead of granting it", () => {
    expect(can(person("admin"), "deploy", GLOBAL)).toMatchObject({ effect: "deny", status: 403 });
  });
});

describe("ROUTES", () => {
  it("names each method and path once, and every action is reachable from some route", () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    const used = new Set(ROUTES.map((r) => r.action));
    // override-freeze is asked for inside deploy (checkFreeze), not by a route of its own.
    expect(ACTIONS.filter((a) => !used.has(a))).toEqual(["override-freeze"]);
  });

  it("never makes a mutating action reachable by GET", () => {
    for (const route of ROUTES) {
      if (route.method === "GET" && route.action !== "public")
        expect(ACTION_RULES[route.action].mutating).toBe(false);
    }
  });
});

describe("matchRoute", () => {
  it("finds the permission and parameters of a request", () => {
    expect(matchRoute("post", "/api/rollouts/r%2F1/promote")).toEqual({
      route: { method: "POST", path: "/api/rollouts/:id/promote", action: "promote" },
      params: { id: "r/1" },
    });
    expect(matchRoute("GET", "/api/runs/7/jobs/build/approve")).toBeUndefined();
    expect(matchRoute("POST", "/api/runs/7/jobs/build/approve")?.params).toEqual({ id: "7", job: "build" });
    expect(matchRoute("GET", "/api/rollouts/")).toBeUndefined();
    expect(matchRoute("GET", "/api/nope")).toBeUndefined();
  });
});
