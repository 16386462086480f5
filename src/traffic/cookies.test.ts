import { describe, expect, it } from "vitest";
import { encodeCookieValue, readCookie, stickySetCookie } from "./cookies.js";

describe("readCookie", () => {
  it.each<[string, string | string[] | undefined, string | undefined]>([
    ["one cookie", "rev=web@2", "web@2"],
    ["among several", "a=1; rev=web@2; b=3", "web@2"],
    ["without spaces", "a=1;rev=web@2;b=3", "web@2"],
    ["with extra spaces and tabs", "a=1 ;  \trev =  web@2  ; b=3", "web@2"],
    ["quoted", 'a=1; rev="web@2"', "web@2"],
    ["percent-encoded", "rev=web%2Fprod%40v3", "web/prod@v3"],
    ["a broken escape, kept as is", "rev=50%", "50%"],
    ["first of repeated names", "rev=a; rev=b", "a"],
    ["empty value", "rev=; b=1", ""],
    ["in a second Cookie header", ["a=1", "rev=x"], "x"],
    ["absent", "a=1; b=2", undefined],
    ["absent header", undefined, undefined],
    ["a longer name only", "revision=x; xrev=y", undefined],
    ["a name as a value only", "a=rev; b=rev=", undefined],
    ["a name without =", "rev; b=1", undefined],
  ])("%s", (_what, header, expected) => {
    expect(readCookie(header, "rev")).toBe(expected);
  });
});

describe("sticky cookies", () => {
  it("writes the contract's attributes and a value readCookie gives back", () => {
    const line = stickySetCookie("slipway-rev-web", "web/production@v3", 86_400);
    expect(line).toBe("slipway-rev-web=web/production@v3; Max-Age=86400; Path=/; HttpOnly; SameSite=Lax");
    const pair = line.slice(0, line.indexOf(";"));
    expect(readCookie(`other=1; ${pair}`, "slipway-rev-web")).toBe("web/production@v3");
  });

  it.each(["plain", "with space", 'q"uote', "semi;colon", "com,ma", "back\\slash", "50%", "ünï", "a/b@c"])(
    "round-trips %s",
    (value) => {
      const encoded = encodeCookieValue(value);
      expect(encoded).toMatch(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/);
      expect(readCookie(`x=${encoded}`, "x")).toBe(value);
    },
  );
});
