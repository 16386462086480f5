import { describe, expect, it } from "vitest";
import { DEFAULT_SCRYPT, hashPassword, needsRehash, passwordProblem, verifyPassword } from "./passwords.js";

// Small parameters keep the suite quick on a shared machine; one case uses the real defaults.
const FAST = { N: 1024, r: 8, p: 1 };

describe("passwords", () => {
  it("hash with the default scrypt parameters and verify", async () => {
    const encoded = await hashPassword("correct horse battery", DEFAULT_SCRYPT);
    expect(encoded).toMatch(/^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(encoded).not.toContain("correct horse");
    expect(await verifyPassword("correct horse battery", encoded)).toBe(true);
    expect(await verifyPassword("correct horse battery!", encoded)).toBe(false);
  });

  it("salt every hash", async () => {
    expect(await hashPassword("same password here", FAST)).not.toBe(
      await hashPassword("same password here", FAST),
    );
  });

  it("refuse unreadable hashes and oversized input without throwing", async () => {
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
    expect(await verifyPassword("x", "scrypt$N=1024,r=8,p=1$c2FsdA==$")).toBe(false);
    expect(await verifyPassword("x".repeat(2000), await hashPassword("short enough pw", FAST))).toBe(false);
  });

  it("say when a hash was made with weaker parameters", async () => {
    expect(needsRehash(await hashPassword("some password 1", FAST))).toBe(true);
    expect(needsRehash(await hashPassword("some password 1", DEFAULT_SCRYPT))).toBe(false);
    expect(needsRehash("garbage")).toBe(true);
  });

  it("explain why a new password is refused", () => {
    expect(passwordProblem("short")).toBe("a password needs at least 12 characters");
    expect(passwordProblem("x".repeat(1025))).toBe("a password has at most 1024 characters");
    expect(passwordProblem("long enough password")).toBeUndefined();
  });
});
