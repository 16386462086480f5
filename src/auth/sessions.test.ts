import { describe, expect, it } from "vitest";
import {
  clearSessionCookie,
  hashSessionId,
  needsCsrfCheck,
  newSession,
  parseCookies,
  readSessionCookie,
  sessionCookie,
  verifyCsrfToken,
} from "./sessions.js";

describe("session cookies", () => {
  it("are HttpOnly and SameSite=Strict, with Secure and the __Host- prefix on https", () => {
    expect(sessionCookie("abc", { secure: true, maxAgeSeconds: 3600 })).toBe(
      "__Host-slipway_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure",
    );
    expect(sessionCookie("abc", { secure: false, maxAgeSeconds: 3600 })).toBe(
      "slipway_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict",
    );
    expect(clearSessionCookie({ secure: false })).toBe(
      "slipway_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
    );
  });

  it("are read back from a Cookie header among others", () => {
    expect(readSessionCookie("theme=dark; slipway_session=abc; x=1")).toBe("abc");
    expect(readSessionCookie("__Host-slipway_session=def")).toBe("def");
    expect(readSessionCookie("slipway_session=")).toBeUndefined();
    expect(readSessionCookie(undefined)).toBeUndefined();
    expect(parseCookies('a=1; =bad; noequals; b="quoted"; a=2')).toEqual(
      new Map([
        ["a", "1"],
        ["b", "quoted"],
      ]),
    );
  });

  it("are random, and stored only as a hash", () => {
    const a = newSession();
    const b = newSession();
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.csrfToken).not.toBe(a.sessionId);
    expect(a.idHash).toBe(hashSessionId(a.sessionId));
    expect(a.idHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("CSRF", () => {
  it.each([
    { method: "POST", via: "session", needed: true },
    { method: "delete", via: "session", needed: true },
    { method: "GET", via: "session", needed: false },
    { method: "HEAD", via: "session", needed: false },
    { method: "POST", via: "token", needed: false },
    { method: "POST", via: "anonymous", needed: false },
  ] as const)("$method via $via → check $needed", ({ method, via, needed }) => {
    expect(needsCsrfCheck(method, via)).toBe(needed);
  });

  it("accepts only the session's own token", () => {
    const { csrfToken } = newSession();
    expect(verifyCsrfToken(csrfToken, csrfToken)).toBe(true);
    expect(verifyCsrfToken(csrfToken, newSession().csrfToken)).toBe(false);
    expect(verifyCsrfToken(csrfToken, csrfToken.slice(1))).toBe(false);
    expect(verifyCsrfToken(csrfToken, undefined)).toBe(false);
  });
});
