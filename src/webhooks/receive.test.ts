import { describe, expect, it } from "vitest";
import { MemoryDeliveryLog } from "./deliveries.js";
import { pushToMain } from "./fixtures.test-support.js";
import { receiveGitHubDelivery } from "./receive.js";
import { signGitHubPayload } from "./signature.js";

const secret = "webhook-secret-123";
const body = Buffer.from(JSON.stringify(pushToMain));
const signed = (b: Buffer, extra: Record<string, string> = {}) => ({
  "x-hub-signature-256": signGitHubPayload(secret, b),
  "x-github-event": "push",
  "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
  "content-type": "application/json",
  ...extra,
});
const options = () => ({ secrets: [secret], deliveries: new MemoryDeliveryLog(), now: 0 });

describe("receiveGitHubDelivery", () => {
  it("accepts a signed push once, then answers a replay as a duplicate", async () => {
    const opts = options();
    const first = await receiveGitHubDelivery({ headers: signed(body), body }, opts);
    expect(first).toMatchObject({
      outcome: "accepted",
      status: 202,
      event: { kind: "push", branch: "main" },
    });
    expect(await receiveGitHubDelivery({ headers: signed(body), body }, opts)).toEqual({
      outcome: "duplicate",
      status: 200,
      deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    });
  });

  it("rejects a tampered body with 401 and without recording the delivery", async () => {
    const opts = options();
    const tampered = Buffer.from(JSON.stringify({ ...pushToMain, ref: "refs/heads/evil" }));
    const result = await receiveGitHubDelivery({ headers: signed(body), body: tampered }, opts);
    expect(result).toEqual({
      outcome: "rejected",
      status: 401,
      reason: "the signature does not match the body under the configured secret",
    });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(await receiveGitHubDelivery({ headers: signed(body), body }, opts)).toMatchObject({
      outcome: "accepted",
    });
  });

  it.each([
    { name: "unsigned", headers: { "x-hub-signature-256": "" }, status: 401, reason: /is missing/ },
    {
      name: "malformed signature",
      headers: { "x-hub-signature-256": "sha256=xyz" },
      status: 401,
      reason: /not sha256=/,
    },
    {
      name: "no delivery id",
      headers: { "x-github-delivery": "" },
      status: 400,
      reason: /x-github-delivery/,
    },
    { name: "no event name", headers: { "x-github-event": "" }, status: 400, reason: /x-github-event/ },
  ] as { name: string; headers: Record<string, string>; status: number; reason: RegExp }[])(
    "rejects $name",
    async ({ headers, status, reason }) => {
      const result = await receiveGitHubDelivery({ headers: signed(body, headers), body }, options());
      expect(result).toMatchObject({
        outcome: "rejected",
        status,
        reason: expect.stringMatching(reason) as unknown,
      });
    },
  );

  it("rejects a signed delivery of an event it does not handle with 400, without recording it", async () => {
    const opts = options();
    const issues = signed(body, { "x-github-event": "issues" });
    expect(await receiveGitHubDelivery({ headers: issues, body }, opts)).toEqual({
      outcome: "rejected",
      status: 400,
      reason:
        "event issues is not handled: Slipway acts on push, pull_request, ping (untick the others in the webhook's settings)",
    });
    expect(await receiveGitHubDelivery({ headers: signed(body), body }, opts)).toMatchObject({
      outcome: "accepted",
    });
  });

  it("rejects a signed body that is not JSON or not a valid payload", async () => {
    const notJson = Buffer.from("{nope");
    expect(await receiveGitHubDelivery({ headers: signed(notJson), body: notJson }, options())).toMatchObject(
      {
        status: 400,
        reason: expect.stringMatching(/^the body is not JSON/) as unknown,
      },
    );
    const invalid = Buffer.from(JSON.stringify({ ref: "refs/heads/main" }));
    expect(await receiveGitHubDelivery({ headers: signed(invalid), body: invalid }, options())).toMatchObject(
      {
        status: 400,
        reason: expect.stringMatching(/^push payload: /) as unknown,
      },
    );
  });

  it("reads form-encoded deliveries and answers ping as ignored", async () => {
    const form = Buffer.from(`payload=${encodeURIComponent(JSON.stringify({ zen: "Design for failure." }))}`);
    const headers = signed(form, {
      "x-github-event": "ping",
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(await receiveGitHubDelivery({ headers, body: form }, options())).toMatchObject({
      outcome: "ignored",
      status: 202,
      reason: "ping",
    });
  });
});
