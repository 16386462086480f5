import http from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Fixture, route, until, type TestProxy } from "./helpers.js";

const fx = new Fixture();
let proxy: TestProxy;

beforeEach(async () => {
  proxy = await fx.proxy();
});
afterEach(() => fx.cleanup());

describe("streaming", () => {
  it("relays the response as it is produced, without waiting for its end", async () => {
    let finish: () => void = () => undefined;
    const app = await fx.upstream("app", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first chunk\n");
      finish = () => res.end("last chunk\n");
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const chunks: string[] = [];
    const ended = new Promise<void>((done, fail) => {
      http
        .get(`${proxy.url}/stream`, { agent: false }, (res) => {
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            chunks.push(chunk);
            // Only the first chunk exists until the client has seen it.
            if (chunks.length === 1) finish();
          });
          res.on("end", () => done());
        })
        .on("error", fail);
    });
    await ended;
    expect(chunks.join("")).toBe("first chunk\nlast chunk\n");
    expect(chunks[0]).toBe("first chunk\n");
  });

  it("relays the request body as it is sent, without waiting for its end", async () => {
    const received: string[] = [];
    const app = await fx.upstream("app", (req, res) => {
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => received.push(chunk));
      req.on("end", () => res.end(`upstream got ${received.join("")}`));
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const reply = new Promise<string>((done, fail) => {
      const req = http.request(
        `${proxy.url}/upload`,
        { method: "POST", agent: false, headers: { "transfer-encoding": "chunked" } },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => done(body));
        },
      );
      req.on("error", fail);
      req.write("part one;");
      // The upstream sees part one while the client has not finished its request.
      until(() => received.length > 0, "the first part at the upstream").then(
        () => req.end("part two"),
        fail,
      );
    });
    expect(await reply).toBe("upstream got part one;part two");
    expect(received[0]).toBe("part one;");
  });
});

describe("WebSocket", () => {
  it("passes upgrades through and relays messages both ways", async () => {
    const app = await fx.upstream("ws-app");
    const wss = new WebSocketServer({ server: app.server });
    wss.on("connection", (socket, req) =>
      socket.on("message", (data) => socket.send(`echo ${(data as Buffer).toString()} from ${req.url}`)),
    );
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const client = new WebSocket(`ws://${proxy.listen}/chat`);
    const upgradeRevision = new Promise<string | undefined>((done) =>
      client.once("upgrade", (res) => done(res.headers["x-slipway-revision"] as string)),
    );
    await new Promise((done, fail) => client.once("open", done).once("error", fail));
    const reply = new Promise<string>((done) =>
      client.once("message", (data) => done((data as Buffer).toString())),
    );
    client.send("hi");
    expect(await reply).toBe("echo hi from /chat");
    expect(await upgradeRevision).toBe("web@1");
    expect((await proxy.client.stats())[0]?.websockets).toBe(1);
    client.close();
    await until(
      async () => (await proxy.client.stats())[0]?.websockets === 0,
      "the WebSocket to be untracked",
    );
    wss.close();
  });

  it("relays an upstream's refusal of the upgrade", async () => {
    const app = await fx.upstream("no-ws", (_req, res) => {
      res.statusCode = 403;
      res.end("no sockets here");
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const client = new WebSocket(`ws://${proxy.listen}/chat`);
    const status = await new Promise<number>((done) =>
      client.once("unexpected-response", (_req, res) => done(res.statusCode ?? 0)),
    );
    expect(status).toBe(403);
    client.on("error", () => undefined);
    client.terminate();
  });
});
