import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Fixture, deadPort, policy, route, send, until, type TestProxy, type Upstream } from "./helpers.js";

const fx = new Fixture();
let proxy: TestProxy;
const upstream = (name: string, handler?: Parameters<Fixture["upstream"]>[1]) => fx.upstream(name, handler);

/** An instance entry pointing at a port nothing listens on. */
async function deadInstance(name: string): Promise<Upstream> {
  return {
    name,
    port: await deadPort(),
    seen: [],
    server: undefined as never,
    close: () => Promise.resolve(),
  };
}

beforeEach(async () => {
  proxy = await fx.proxy();
});
afterEach(() => fx.cleanup());

describe("retries", () => {
  it("retries a refused connection on another instance, even for a POST with a body", async () => {
    const dead = await deadInstance("dead");
    const alive = await upstream("alive", (req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => res.end(`got ${body}`));
    });
    await proxy.apply([route("web/prod", [["web@1", 1, dead, alive]], { policy: policy({ retries: 1 }) })]);
    for (let i = 0; i < 4; i++) {
      const reply = await send(`${proxy.url}/orders`, {
        method: "POST",
        body: `order-${i}`,
        headers: { "content-type": "text/plain" },
      });
      expect(reply).toMatchObject({ status: 200, body: `got order-${i}` });
    }
  });

  it("retries an idempotent GET whose connection was reset, but never a POST the upstream may have acted on", async () => {
    let calls = 0;
    const flaky = await upstream("flaky", (req, res) => {
      calls++;
      // Every odd call dies mid-request, after the upstream saw it.
      if (calls % 2 === 1) return req.socket.destroy();
      req.resume();
      req.on("end", () => res.end(`ok ${req.method}`));
    });
    await proxy.apply([
      route("web/prod", [["web@1", 1, flaky]], {
        policy: policy({
          retries: 1,
          outlier: { consecutiveErrors: 100, ejectionMs: 1000, maxEjectedPercent: 50 },
        }),
      }),
    ]);
    const get = await send(`${proxy.url}/`);
    expect(get).toMatchObject({ status: 200, body: "ok GET" });
    expect(calls).toBe(2);
    const post = await send(`${proxy.url}/pay`, { method: "POST", body: "1 EUR" });
    expect(post.status).toBe(502);
    expect(calls).toBe(3);
  });

  it("gives up after `retries` extra tries with 502", async () => {
    const a = await deadInstance("a");
    const b = await deadInstance("b");
    await proxy.apply([route("web/prod", [["web@1", 1, a, b]], { policy: policy({ retries: 1 }) })]);
    const reply = await send(`${proxy.url}/`);
    expect(reply.status).toBe(502);
    expect(reply.body).toMatch(/upstream error/);
    expect(reply.headers["x-slipway-revision"]).toBe("web@1");
  });
});

describe("timeouts", () => {
  it("answers 504 when the upstream sends no headers within the per-try timeout", async () => {
    const stuck = await upstream("stuck", () => undefined);
    await proxy.apply([
      route("web/prod", [["web@1", 1, stuck]], { policy: policy({ tryTimeoutMs: 200, retries: 0 }) }),
    ]);
    const reply = await send(`${proxy.url}/slow`);
    expect(reply.status).toBe(504);
    const [stats] = await proxy.client.stats();
    expect(stats?.responses["5xx"]).toBe(1);
  });

  it("retries a timed-out GET on another instance", async () => {
    const stuck = await upstream("stuck", () => undefined);
    const fine = await upstream("fine");
    await proxy.apply([
      route("web/prod", [["web@1", 1, stuck, fine]], { policy: policy({ tryTimeoutMs: 200, retries: 1 }) }),
    ]);
    const replies = [await send(`${proxy.url}/a`), await send(`${proxy.url}/b`)];
    expect(replies.map((r) => r.body)).toEqual(["fine /a", "fine /b"]);
    expect(stuck.seen.length).toBeGreaterThan(0);
  });

  it("answers 503 to a request queued for a connection longer than the per-try timeout", async () => {
    // The first response streams (its try is over, its connection still taken); the second queues.
    const ends: (() => void)[] = [];
    const app = await upstream("app", (_req, res) => {
      res.write("part ");
      ends.push(() => res.end("end"));
    });
    await proxy.apply([
      route("web/prod", [["web@1", 1, app]], {
        policy: policy({ tryTimeoutMs: 200, maxConnections: 1, maxPending: 1, retries: 0 }),
      }),
    ]);
    const streaming = send(`${proxy.url}/long`);
    await until(() => ends.length === 1, "the first response streaming");
    const queued = await send(`${proxy.url}/queued`);
    expect(queued.status).toBe(503);
    expect(app.seen).toHaveLength(1);
    ends[0]!();
    expect(await streaming).toMatchObject({ status: 200, body: "part end" });
  });
});

describe("circuit breaker", () => {
  it("queues up to maxPending beyond maxConnections per instance, then answers 503", async () => {
    const held: (() => void)[] = [];
    const app = await upstream("app", (_req, res) => held.push(() => res.end("done")));
    await proxy.apply([
      route("web/prod", [["web@1", 1, app]], { policy: policy({ maxConnections: 2, maxPending: 1 }) }),
    ]);
    const running = [send(`${proxy.url}/1`), send(`${proxy.url}/2`)];
    await until(() => held.length === 2, "two requests at the upstream");
    const queued = send(`${proxy.url}/3`);
    await until(async () => (await proxy.client.stats())[0]?.inflight === 3, "a queued request");
    const refused = await send(`${proxy.url}/4`);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/too many requests/);
    expect(app.seen).toHaveLength(2);
    held.shift()!();
    // The queued request takes the freed slot.
    await until(() => held.length === 2, "the queued request reaching the upstream");
    held.splice(0).forEach((release) => release());
    expect((await Promise.all([...running, queued])).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});

describe("outlier ejection", () => {
  it("ejects an instance after consecutive 5xx, within maxEjectedPercent, and brings it back after ejectionMs", async () => {
    const broken = await upstream("broken", (_req, res) => {
      res.statusCode = 500;
      res.end("boom");
    });
    const healthy = await upstream("healthy");
    const outlier = { consecutiveErrors: 3, ejectionMs: 600, maxEjectedPercent: 50 };
    await proxy.apply([
      route("web/prod", [["web@1", 1, broken, healthy]], { policy: policy({ outlier, retries: 0 }) }),
    ]);
    for (let i = 0; i < 10; i++) await send(`${proxy.url}/`);
    expect(broken.seen).toHaveLength(3);
    const next = await Promise.all(Array.from({ length: 6 }, () => send(`${proxy.url}/`)));
    expect(next.every((r) => r.status === 200)).toBe(true);
    expect(broken.seen).toHaveLength(3);
    // After the ejection period the instance gets traffic again (the proxy takes no injected clock:
    // wait, bounded, for the event itself rather than for a guessed time).
    await until(async () => {
      await send(`${proxy.url}/`);
      return broken.seen.length > 3;
    }, "the ejected instance taking traffic again");
  });

  it("never ejects the last instances beyond the cap (one instance: never)", async () => {
    const broken = await upstream("broken", (_req, res) => {
      res.statusCode = 503;
      res.end("down");
    });
    const outlier = { consecutiveErrors: 2, ejectionMs: 60_000, maxEjectedPercent: 50 };
    await proxy.apply([
      route("web/prod", [["web@1", 1, broken]], { policy: policy({ outlier, retries: 0 }) }),
    ]);
    for (let i = 0; i < 5; i++) expect((await send(`${proxy.url}/`)).body).toBe("down");
    expect(broken.seen).toHaveLength(5);
  });
});
