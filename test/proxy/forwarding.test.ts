import http from "node:http";
import net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Fixture, policy, route, send, sleep, until, type TestProxy } from "./helpers.js";

// What the proxy does to each request and response on its way through: headers, bodies, errors.
// Real upstreams on real sockets; assertions on what arrives, never on time.
const fx = new Fixture();
let proxy: TestProxy;

beforeEach(async () => {
  proxy = await fx.proxy();
});
afterEach(() => fx.cleanup());

/** One request with raw header lines (repeated names allowed) and `Connection: close`, on a fresh connection. */
function rawRequest(port: number, head: string, body = ""): Promise<string> {
  return new Promise((done, fail) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`${head}\r\n\r\n${body}`));
    let reply = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (reply += chunk));
    socket.on("end", () => done(reply));
    socket.on("error", fail);
  });
}

describe("request headers", () => {
  it("drops hop-by-hop headers and those named by Connection, passes the rest, repeated ones included", async () => {
    const app = await fx.upstream("app");
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const port = Number(new URL(proxy.url).port);
    const reply = await rawRequest(
      port,
      [
        "GET /h HTTP/1.1",
        "Host: shop.test",
        "Connection: close, X-Drop-Me",
        "X-Drop-Me: 1",
        "Keep-Alive: timeout=5",
        "TE: trailers",
        "Proxy-Authorization: Basic c2VjcmV0",
        "Proxy-Connection: keep-alive",
        "X-Forwarded-Proto: https",
        "X-Forwarded-Host: evil.test",
        "X-Tag: one",
        "X-Tag: two",
        "Accept: text/plain",
      ].join("\r\n"),
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    const headers = app.seen[0]!.headers;
    for (const name of ["x-drop-me", "keep-alive", "te", "proxy-authorization", "proxy-connection"])
      expect(headers[name], name).toBeUndefined();
    expect(headers.connection).not.toMatch(/x-drop-me/i);
    expect(headers["x-tag"]).toBe("one, two");
    expect(headers.accept).toBe("text/plain");
    expect(headers.host).toBe("shop.test");
    // Set by the proxy, whatever the client claimed.
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("shop.test");
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("passes a request sent with Expect: 100-continue, body included", async () => {
    const app = await fx.upstream("app", (req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => res.end(`got ${body}`));
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const reply = await new Promise<{ status: number; body: string }>((done, fail) => {
      const req = http.request(`${proxy.url}/upload`, {
        method: "PUT",
        agent: false,
        headers: { expect: "100-continue", "content-length": "5" },
      });
      req.on("continue", () => req.end("hello"));
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => done({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", fail);
    });
    expect(reply).toEqual({ status: 200, body: "got hello" });
  });
});

describe("response headers", () => {
  it("drops hop-by-hop headers, relays repeated ones, and adds the sticky cookie to a single app cookie", async () => {
    const app = await fx.upstream("app", (req, res) => {
      req.resume();
      res.setHeader("set-cookie", "app-session=1; Path=/");
      res.setHeader("x-multi", ["a", "b"]);
      res.setHeader("proxy-connection", "keep-alive");
      res.setHeader("keep-alive", "timeout=99");
      res.end("ok");
    });
    await proxy.apply([
      route("web/prod", [["web@1", 1, app]], {
        canary: { revision: "web@1", sticky: { cookie: "slipway-rev-web", maxAgeS: 60 } },
      }),
    ]);
    const reply = await send(`${proxy.url}/`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("ok");
    expect(reply.headers["x-multi"]).toBe("a, b");
    expect(reply.headers["proxy-connection"]).toBeUndefined();
    expect(reply.headers["keep-alive"]).not.toBe("timeout=99");
    const cookies = reply.headers["set-cookie"] ?? [];
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe("app-session=1; Path=/");
    expect(cookies[1]).toMatch(/^slipway-rev-web=web%401;|^slipway-rev-web=web@1;/);
  });

  it("answers HEAD with the upstream's headers and no body, and the connection stays usable", async () => {
    const app = await fx.upstream("app", (req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/plain", "content-length": "11" });
      res.end(req.method === "HEAD" ? undefined : "hello world");
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const agent = fx.agent(1);
    const head = await send(`${proxy.url}/`, { method: "HEAD", agent });
    expect(head).toMatchObject({ status: 200, body: "" });
    expect(head.headers["content-length"]).toBe("11");
    expect(await send(`${proxy.url}/`, { agent })).toMatchObject({ status: 200, body: "hello world" });
  });

  it("relays the final answer after a 103 Early Hints", async () => {
    const app = await fx.upstream("app", (req, res) => {
      req.resume();
      res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
      res.end("final");
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    const reply = await send(`${proxy.url}/`);
    expect(reply).toMatchObject({ status: 200, body: "final" });
    expect(reply.headers["x-slipway-revision"]).toBe("web@1");
  });
});

describe("errors the proxy makes up", () => {
  it("answers 504 with a short text body naming the revision when no headers come in time", async () => {
    const stuck = await fx.upstream("stuck", () => undefined);
    await proxy.apply([
      route("web/prod", [["web@1", 1, stuck]], { policy: policy({ tryTimeoutMs: 200, retries: 0 }) }),
    ]);
    const reply = await send(`${proxy.url}/`);
    expect(reply.status).toBe(504);
    expect(reply.body).toBe("slipway: upstream timed out\n");
    expect(reply.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(reply.headers["x-slipway-revision"]).toBe("web@1");
  });

  it("answers 502 (not a reset) when the upstream fails while the request body is still arriving", async () => {
    let seen = 0;
    const app = await fx.upstream("app", (req) => {
      req.once("data", () => {
        seen++;
        req.socket.destroy();
      });
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]], { policy: policy({ retries: 1 }) })]);
    const reply = await new Promise<{ status: number; body: string; connection?: string }>((done, fail) => {
      const req = http.request(
        `${proxy.url}/upload`,
        { method: "POST", agent: false, headers: { "transfer-encoding": "chunked" } },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => {
            done({ status: res.statusCode ?? 0, body, connection: res.headers.connection });
            req.destroy();
          });
        },
      );
      req.on("error", fail);
      req.write("part one;");
    });
    expect(reply).toEqual({ status: 502, body: "slipway: upstream error\n", connection: "close" });
    // Part of the body went out: never retried.
    expect(seen).toBe(1);
  });
});

describe("requests the upstream client cannot send", () => {
  it("answers OPTIONS * with 400, without retrying or counting it against the instance", async () => {
    const app = await fx.upstream("app");
    await proxy.apply([
      route("web/prod", [["web@1", 1, app]], {
        policy: policy({
          retries: 1,
          outlier: { consecutiveErrors: 1, ejectionMs: 60_000, maxEjectedPercent: 100 },
        }),
      }),
    ]);
    const port = Number(new URL(proxy.url).port);
    const reply = await rawRequest(port, "OPTIONS * HTTP/1.1\r\nHost: shop.test\r\nConnection: close");
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toMatch(/slipway: this request cannot be forwarded\n$/);
    // Not ejected: the next request is served.
    expect(await send(`${proxy.url}/next`)).toMatchObject({ status: 200, body: "app /next" });
    expect(app.seen.map((r) => r.url)).toEqual(["/next"]);
  });
});

describe("keep-alive race", () => {
  it("retries a bodyless POST whose reused connection closed before any answer, never one on a fresh connection", async () => {
    const perSocket = new WeakMap<object, number>();
    const posts = { race: 0, fresh: 0 };
    const app = (name: "race" | "fresh") =>
      fx.upstream(name, (req, res) => {
        const n = (perSocket.get(req.socket) ?? 0) + 1;
        perSocket.set(req.socket, n);
        req.resume();
        if (req.method !== "POST") return res.end("warm");
        posts[name]++;
        // "race" closes a POST only on a connection that already served a request; "fresh" always.
        if (name === "fresh" || n > 1) return req.socket.destroy();
        res.end(`ok ${name}`);
      });
    const race = await app("race");
    await proxy.apply([route("web/prod", [["web@1", 1, race]], { policy: policy({ retries: 1 }) })]);
    expect((await send(`${proxy.url}/warm`)).status).toBe(200);
    // The proxy's idle connection to the app is reused, and closed under the POST.
    const raced = await send(`${proxy.url}/race`, { method: "POST" });
    expect(raced).toMatchObject({ status: 200, body: "ok race" });
    expect(posts.race).toBe(2);
    // A new instance, so a new connection, closed under the POST: the app may have acted on it.
    const fresh = await app("fresh");
    await proxy.apply([route("web/prod", [["web@2", 1, fresh]], { policy: policy({ retries: 1 }) })]);
    const reply = await send(`${proxy.url}/fresh`, { method: "POST" });
    expect(reply.status).toBe(502);
    expect(posts.fresh).toBe(1);
  });
});

describe("backpressure", () => {
  it("holds the upstream back while the client does not read, then relays every byte", async () => {
    const chunk = Buffer.alloc(64 * 1024, 120);
    const total = 64 * 1024 * 1024;
    let written = 0;
    let blocked = false;
    const app = await fx.upstream("app", (req, res) => {
      req.resume();
      res.writeHead(200, { "content-length": String(total) });
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked = true;
            res.once("drain", () => {
              blocked = false;
              pump();
            });
            return;
          }
        }
        res.end();
      };
      pump();
    });
    await proxy.apply([route("web/prod", [["web@1", 1, app]])]);
    let received = 0;
    let response: http.IncomingMessage | undefined;
    const ended = new Promise<void>((done, fail) => {
      http
        .get(`${proxy.url}/big`, { agent: false }, (res) => {
          response = res;
          res.pause();
          res.on("end", () => done());
          res.on("error", fail);
        })
        .on("error", fail);
    });
    await until(() => response && blocked, "the upstream blocked by a client that does not read");
    // Given time, a proxy without backpressure would keep reading the upstream into its memory.
    await sleep(300);
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(total / 2);
    response!.on("data", (data: Buffer) => (received += data.length));
    response!.resume();
    await ended;
    expect(received).toBe(total);
  });
});
