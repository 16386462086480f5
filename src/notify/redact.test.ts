import { describe, expect, it } from "vitest";
import { isRetryableStatus } from "./channels/channel.js";
import { parseRetryAfter } from "./channels/http-transport.js";
import { redactUrl, scrub } from "./redact.js";

const slack = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX";

describe("redaction", () => {
  it("keeps only a URL's origin", () => {
    expect(redactUrl(slack)).toBe("https://hooks.slack.com/***");
    expect(redactUrl("not a url")).toBe("***");
  });

  it("scrubs whole URLs, their paths and other secrets from messages", () => {
    expect(scrub(`POST ${slack} failed`, [slack])).toBe("POST *** failed");
    expect(scrub("GET /services/T000/B000/XXXXXXXXXXXXXXXX: 500", [slack])).toBe("GET ***: 500");
    expect(scrub("Bearer s3cr3t-value rejected", ["Bearer s3cr3t-value"])).toBe("*** rejected");
    expect(scrub("nothing to hide", [slack, "abc"])).toBe("nothing to hide");
  });
});

describe("retry classification", () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [403, false],
    [404, false],
    [410, false],
  ])("HTTP %i retryable: %s", (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });

  it("reads Retry-After in seconds or as a date", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Wed, 25 Nov 2026 12:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter(["2"], now)).toBe(2000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
