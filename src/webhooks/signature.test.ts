import { describe, expect, it } from "vitest";
import { signGitHubPayload, verifyGitHubSignature } from "./signature.js";

const secret = "It's a Secret to Everybody";
const body = Buffer.from("Hello, World!");

describe("verifyGitHubSignature", () => {
  it("matches GitHub's documented example", () => {
    // From docs.github.com "Validating webhook deliveries".
    const documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(signGitHubPayload(secret, body)).toBe(documented);
    expect(verifyGitHubSignature(secret, body, documented)).toEqual({ ok: true });
    expect(verifyGitHubSignature(secret, body, documented.toUpperCase().replace("SHA256", "sha256"))).toEqual(
      { ok: true },
    );
  });

  it.each([
    { name: "missing", header: undefined, reason: "missing" },
    { name: "empty", header: " ", reason: "missing" },
    { name: "sha1 scheme", header: "sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0", reason: "malformed" },
    { name: "short digest", header: "sha256=abcd", reason: "malformed" },
    { name: "non-hex", header: `sha256=${"z".repeat(64)}`, reason: "malformed" },
    { name: "wrong digest", header: `sha256=${"0".repeat(64)}`, reason: "mismatch" },
  ])("refuses a $name header as $reason", ({ header, reason }) => {
    expect(verifyGitHubSignature(secret, body, header)).toEqual({ ok: false, reason });
  });

  it("refuses a tampered body and a different secret", () => {
    const header = signGitHubPayload(secret, body);
    expect(verifyGitHubSignature(secret, Buffer.from("Hello, World?"), header)).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyGitHubSignature("another secret", body, header)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("accepts any of several secrets (rotation) but never an empty one", () => {
    const header = signGitHubPayload("new secret", body);
    expect(verifyGitHubSignature(["old secret", "new secret"], body, header)).toEqual({ ok: true });
    expect(verifyGitHubSignature([""], body, signGitHubPayload("", body))).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyGitHubSignature([], body, header)).toEqual({ ok: false, reason: "mismatch" });
  });
});
