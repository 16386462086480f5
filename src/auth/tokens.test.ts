import { describe, expect, it } from "vitest";
import { bearerToken, generateApiToken, hashApiToken, parseApiToken, verifyApiToken } from "./tokens.js";

describe("API tokens", () => {
  it("are prefixed, carry a public id, and differ every time", () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a.token).toMatch(/^slp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.token.startsWith(`slp_${a.id}_`)).toBe(true);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashApiToken(a.token));
    expect(a.hash).not.toContain(a.token.slice(17));
    expect(parseApiToken(a.token)).toEqual({ id: a.id });
  });

  it("verify against the stored hash and reject any change", () => {
    const { token, hash } = generateApiToken();
    expect(verifyApiToken(token, hash)).toBe(true);
    const last = token.at(-1) === "A" ? "B" : "A";
    expect(verifyApiToken(token.slice(0, -1) + last, hash)).toBe(false);
    expect(verifyApiToken("", hash)).toBe(false);
    expect(verifyApiToken(token, "not hex")).toBe(false);
  });

  it.each([
    "",
    "slp_",
    "slp_XYZ_abc",
    "ghp_0123456789ab_" + "a".repeat(43),
    "slp_0123456789ab_" + "a".repeat(42),
  ])("refuses malformed %j", (text) => {
    expect(parseApiToken(text)).toBeUndefined();
  });

  it("reads a bearer credential from an Authorization header", () => {
    expect(bearerToken("Bearer slp_x")).toBe("slp_x");
    expect(bearerToken("bearer  slp_x ")).toBe("slp_x");
    expect(bearerToken("Basic dXNlcjpwYXNz")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
