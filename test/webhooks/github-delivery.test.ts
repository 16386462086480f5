import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import type { TriggerEvent } from "../../src/webhooks/events.js";
import { receiveGitHubDelivery } from "../../src/webhooks/receive.js";
import { signGitHubPayload } from "../../src/webhooks/signature.js";

const secret = "e2e-webhook-secret";
const push = {
  ref: "refs/heads/main",
  before: "1111111111111111111111111111111111111111",
  after: "2222222222222222222222222222222222222222",
  repository: { full_name: "acme/shop" },
  sender: { login: "alice" },
  commits: [{ added: [], removed: [], modified: ["services/api/index.ts"] }],
};

// A minimal HTTP endpoint wired the way the server should wire it: raw bytes in, outcome's status out.
let server: Server;
let store: Store;
let dir: string;
const triggered: TriggerEvent[] = [];
let url = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "slipway-webhooks-"));
  store = await openStore(join(dir, "slipway.db"));
  const deliveries = store.webhookDeliveries;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void receiveGitHubDelivery(
        { headers: req.headers, body: Buffer.concat(chunks) },
        { secrets: [secret], deliveries, now: Date.now() },
      ).then((result) => {
        if (result.outcome === "accepted") triggered.push(result.event);
        res
          .writeHead(result.status, { "content-type": "application/json" })
          .end(JSON.stringify(result.outcome === "accepted" ? { outcome: result.outcome } : result));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/github`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function deliver(body: string, headers: Record<string, string>) {
  const response = await request(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

describe("GitHub deliveries over HTTP", () => {
  it("triggers once for a signed push, refuses tampering, and answers a replay 200", async () => {
    const body = JSON.stringify(push);
    const headers = {
      "x-github-event": "push",
      "x-github-delivery": "d-1",
      "x-hub-signature-256": signGitHubPayload(secret, body),
    };

    const tampered = await deliver(body.replace("alice", "mallory"), headers);
    expect(tampered).toEqual({
      status: 401,
      body: {
        outcome: "rejected",
        status: 401,
        reason: "the signature does not match the body under the configured secret",
      },
    });
    expect(await deliver(body, headers)).toEqual({ status: 202, body: { outcome: "accepted" } });
    expect(await deliver(body, headers)).toMatchObject({
      status: 200,
      body: { outcome: "duplicate", deliveryId: "d-1" },
    });
    expect(triggered).toMatchObject([
      { kind: "push", branch: "main", actor: "alice", changedFiles: ["services/api/index.ts"] },
    ]);
    expect(await deliver(body, { ...headers, "x-hub-signature-256": "" })).toMatchObject({ status: 401 });
  });
});
