/**
 * Dead letters on the dashboard: a webhook channel that answers 503 dead-letters the rollout's
 * notifications (one attempt configured); once the receiver is back, Resend on the page delivers
 * one and it leaves the list.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectYaml, withoutBaselineTrigger } from "../rollouts/world.js";
import {
  launchChromium,
  shot,
  startDashboardWorld,
  unnamedControls,
  type DashboardWorld,
} from "./harness.js";

const USER = { name: "nina", password: "dead letters pass", role: "deployer" };

let world: DashboardWorld | undefined;
let browser: Browser | undefined;
let receiver: Server | undefined;
let receiverUp = false;
const received: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (receiverUp) received.push(body);
      res.writeHead(receiverUp ? 200 : 503).end();
    });
  });
  await new Promise<void>((ok) => receiver!.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const notifications = `notifications:
  retry: { maxAttempts: 1 }
  channels:
    - name: audit-sink
      kind: webhook
      url: ${url}
`;
  world = await startDashboardWorld({}, withoutBaselineTrigger(projectYaml("1s")) + notifications);
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
  await new Promise((ok) => receiver?.close(ok));
}, 60_000);

describe("dead letters page", () => {
  it("lists undelivered notifications and re-sends one with Resend", async () => {
    const w = world!;
    expect((await w.api("POST", "/api/users", USER)).status).toBe(201);
    const deployed = await w.api<{ rollout: { id: string } }>("POST", "/api/deployments", {
      service: "web",
      environment: "production",
      version: "v1",
    });
    expect(deployed.status).toBe(202);
    // The receiver refuses everything: the rollout's notifications (started, promoted) end up as
    // dead letters. Wait for the rollout to end so no more arrive while the page is checked.
    const total = async () => (await w.api<{ total: number }>("GET", "/api/dead-letters")).body.total;
    for (let phase = ""; phase !== "promoted"; await sleep(100)) {
      phase = (
        await w.api<{ rollout: { phase: string } }>("GET", `/api/rollouts/${deployed.body.rollout.id}`)
      ).body.rollout.phase;
      expect(["rolled-back", "failed"]).not.toContain(phase);
    }
    await expect.poll(total, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);

    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const res = await context.request.post(`${w.apiUrl}/api/session`, {
        data: { username: USER.name, password: USER.password },
      });
      expect(res.status()).toBe(200);
      const page = await context.newPage();
      await page.goto(`${w.apiUrl}/dead-letters`);
      const rows = page.locator("tbody tr");
      const before = await total();
      await expect.poll(() => rows.count()).toBe(before);
      expect(await rows.first().textContent()).toMatch(/audit-sink.*503/);
      expect(await unnamedControls(page)).toEqual([]);
      await shot(page, "40-dead-letters");

      receiverUp = true;
      await rows
        .first()
        .getByRole("button", { name: /^Resend .* to audit-sink$/ })
        .click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Re-sent" }).count()).toBe(1);
      expect(received).toHaveLength(1);
      expect(await total()).toBe(before - 1);
      await expect.poll(() => rows.count()).toBe(before - 1);
    } finally {
      await context.close();
    }
  }, 120_000);
});
