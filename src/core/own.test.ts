import { describe, expect, it } from "vitest";
import { effectiveRole } from "./access/roles.js";
import { own, ownRecord } from "./own.js";

const PROTO_NAMES = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"];

describe("lookups by user-supplied names", () => {
  it.each(PROTO_NAMES)("own() finds nothing for %s in a plain object", (name) => {
    expect(own({ production: 1 }, name)).toBeUndefined();
    expect(own(ownRecord([["production", 1]]), name)).toBeUndefined();
  });

  it("own() finds an own key even when it is named like a prototype member", () => {
    const parsed = JSON.parse('{"__proto__": "admin", "constructor": "viewer"}') as Record<string, string>;
    expect(own(parsed, "__proto__")).toBe("admin");
    expect(own(parsed, "constructor")).toBe("viewer");
  });

  it.each(PROTO_NAMES)("an environment named %s falls back to the base role", (name) => {
    const principal = {
      kind: "token" as const,
      id: "t",
      name: "t",
      role: "viewer" as const,
      environmentRoles: { staging: "admin" as const },
    };
    expect(effectiveRole(principal, name)).toBe("viewer");
  });
});
