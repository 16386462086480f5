import { newPreviewKey, previewToken } from "../../src/traffic/preview-token.js";
import { WebSocket, WebSocketServer } from "ws";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Fixture, policy, route, send, until, type TestProxy } from "./helpers.js";

const fx = new Fixture();
let proxy: TestProxy;

beforeEach(async () => {
  proxy = await fx.proxy();
});
afterEach(() => fx.cleanup());

/** blue holds each request until told; green answers at once. */
async function blueGreen() {
  const held = new Map<string, () => void>();
  const blue = await fx.upstream("blue", (req, res) =>
    held.set(req.url ?? "", () => res.end(`blue ${req.url}`)),
  );
  const green = await fx.upstream("green");
  return { blue, green, held };
}

const HOUR = 3_600_000;

const statsOf = async (revision: string) => (await proxy.client.stats()).find((s) => s.revision === revision);

describe("draining a revision that left the table", () => {
  it("lets in-flight requests finish within the drain timeout while new ones go to the new revision", async () => {
    const { blue, green, held } = await blueGreen();
    const drain = policy({ drainTimeoutMs: 5_000 });
    const preview = { key: newPreviewKey() };
    await proxy.apply([route("web/prod", [["web@1", 1, blue]], { policy: drain, preview })]);
    const inflight = send(`${proxy.url}/slow`);
    await until(() => held.has("/slow"), "the request at blue");
    await proxy.apply([route("web/prod", [["web@2", 1, green]], { policy: drain, preview })]);
    expect((await statsOf("web@1"))?.state).toBe("draining");
    expect((await statsOf("web@1"))?.inflight).toBe(1);
    for (let i = 0; i < 5; i++)
      expect((await send(`${proxy.url}/new`)).headers["x-slipway-revision"]).toBe("web@2");
    // Nothing new reaches the draining revision, not even with its (once valid) preview token.
    const token = previewToken(preview.key, "web@1");
    expect((await send(`${proxy.url}/p`, { headers: { "x-slipway-revision": token } })).body).toBe(
      "green /p",
    );
    expect(blue.seen.map((r) => r.url)).toEqual(["/slow"]);
    held.get("/slow")!();
    expect(await inflight).toMatchObject({ status: 200, body: "blue /slow" });
    await until(async () => (await statsOf("web@1"))?.state === "drained", "web@1 drained");
    expect(green.seen).toHaveLength(6);
  });

  it("cuts a request still running at the deadline with 504 and counts it", async () => {
    const { blue, green, held } = await blueGreen();
    const drain = policy({ drainTimeoutMs: 300 });
    await proxy.apply([route("web/prod", [["web@1", 1, blue]], { policy: drain })]);
    const forever = send(`${proxy.url}/forever`);
    await until(() => held.has("/forever"), "the request at blue");
    await proxy.apply([route("web/prod", [["web@2", 1, green]], { policy: drain })]);
    const reply = await forever;
    expect(reply.status).toBe(504);
    expect(reply.headers["x-slipway-revision"]).toBe("web@1");
    const stats = await statsOf("web@1");
    expect(stats).toMatchObject({ state: "drained", cutAtDrain: 1, inflight: 0 });
    expect(stats?.responses["5xx"]).toBe(1);
    expect(await proxy.client.metrics()).toMatch(
      /^slipway_proxy_drain_cut_total\{route="web\/prod",revision="web@1"\} 1$/m,
    );
  });

  it("cuts a response already streaming at the deadline by closing it", async () => {
    const app = await fx.upstream("blue", (_req, res) => res.write("partial"));
    const green = await fx.upstream("green");
    const drain = policy({ drainTimeoutMs: 300 });
    await proxy.apply([route("web/prod", [["web@1", 1, app]], { policy: drain })]);
    const streaming = send(`${proxy.url}/stream`);
    await until(async () => (await statsOf("web@1"))?.inflight === 1, "the stream to start");
    await proxy.apply([route("web/prod", [["web@2", 1, green]], { policy: drain })]);
    await expect(streaming).rejects.toThrow();
    expect(await statsOf("web@1")).toMatchObject({ state: "drained", cutAtDrain: 1 });
  });

  it("closes the drained revision's WebSockets at once, and keeps the new revision's", async () => {
    const blue = await fx.upstream("blue");
    const green = await fx.upstream("green");
    const servers = [
      new WebSocketServer({ server: blue.server }),
      new WebSocketServer({ server: green.server }),
    ];
    await proxy.apply([
      route("web/prod", [["web@1", 1, blue]], { policy: policy({ drainTimeoutMs: HOUR }) }),
    ]);
    const old = new WebSocket(`ws://${proxy.listen}/live`);
    await new Promise((done, fail) => old.once("open", done).once("error", fail));
    const closed = new Promise<number>((done) => old.once("close", (code) => done(code)));
    await proxy.apply([
      route("web/prod", [["web@2", 1, green]], { policy: policy({ drainTimeoutMs: HOUR }) }),
    ]);
    // The drain timeout is an hour, far beyond this test's timeout: the close came from the drain itself.
    expect(await closed).toBe(1006);
    const fresh = new WebSocket(`ws://${proxy.listen}/live`);
    const revision = await new Promise<string>((done, fail) => {
      fresh.once("upgrade", (res) => done(String(res.headers["x-slipway-revision"])));
      fresh.once("error", fail);
    });
    expect(revision).toBe("web@2");
    await until(async () => (await statsOf("web@1"))?.state === "drained", "web@1 drained");
    fresh.terminate();
    for (const server of servers) server.close();
  });

  it("puts a draining revision back into service when a rollback re-adds it", async () => {
    const { blue, green, held } = await blueGreen();
    const drain = policy({ drainTimeoutMs: 400 });
    // A control route drains a revision with the same timeout, armed just after web@1's: once its
    // request has been cut, web@1's drain deadline has passed too (same delay, armed earlier), so
    // the test waits for that event rather than for a guessed time.
    const control = (id: string) =>
      route("ctl", [[id, 1, id === "ctl@1" ? blue : green]], { policy: drain, pathPrefix: "/ctl" });
    await proxy.apply([route("web/prod", [["web@1", 1, blue]], { policy: drain }), control("ctl@1")]);
    const inflight = send(`${proxy.url}/long`);
    const cut = send(`${proxy.url}/ctl/long`);
    await until(() => held.has("/long") && held.has("/ctl/long"), "both requests at blue");
    await proxy.apply([route("web/prod", [["web@2", 1, green]], { policy: drain }), control("ctl@1")]);
    await proxy.apply([route("web/prod", [["web@2", 1, green]], { policy: drain }), control("ctl@2")]);
    await proxy.apply([route("web/prod", [["web@1", 1, blue]], { policy: drain }), control("ctl@2")]);
    expect((await statsOf("web@1"))?.state).toBe("active");
    // The control's drain ran out: its request was cut...
    expect((await cut).status).toBe(504);
    // ...while web@1's request, past its old drain deadline, still runs: that drain was cancelled.
    held.get("/long")!();
    expect(await inflight).toMatchObject({ status: 200, body: "blue /long" });
    expect((await statsOf("web@1"))?.cutAtDrain).toBe(0);
    expect((await statsOf("ctl@1"))?.cutAtDrain).toBe(1);
  });
});
