import type http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Fixture, route, send, until, type TestProxy, type Upstream } from "./helpers.js";

// How the built-in proxy's upstream client reads what an app sends back: each body framing, the
// responses without a body, and keep-alive sockets the app closes. The upstream here is a raw TCP
// server answering with hand-written bytes, so every framing is exactly the one under test.
const fx = new Fixture();
let proxy: TestProxy;

beforeEach(async () => {
  proxy = await fx.proxy();
});
afterEach(() => fx.cleanup());

interface RawUpstream extends Upstream {
  /** Connections accepted so far. */
  connections: number;
  sockets: Set<net.Socket>;
}

/** A raw upstream: `answer` gets each request's head (request line first) and writes the reply. */
async function rawUpstream(answer: (head: string, socket: net.Socket) => void): Promise<RawUpstream> {
  const sockets = new Set<net.Socket>();
  const up: RawUpstream = {
    name: "raw",
    port: 0,
    server: undefined as unknown as http.Server,
    seen: [],
    connections: 0,
    sockets,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
  const server = net.createServer((socket) => {
    up.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffered = "";
    socket.setEncoding("latin1");
    socket.on("data", (data: string) => {
      buffered += data;
      let end: number;
      // Requests without bodies only (GET/HEAD): each head ends with an empty line.
      while ((end = buffered.indexOf("\r\n\r\n")) >= 0) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const [method = "", url = ""] = head.split(" ");
        up.seen.push({ method, url, headers: {} });
        answer(head, socket);
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  up.port = (server.address() as AddressInfo).port;
  fx.defer(() => up.close());
  return up;
}

async function serve(up: Upstream): Promise<void> {
  await proxy.apply([route("web/prod", [["web@1", 1, up]])]);
}

describe("upstream response framing", () => {
  it("relays a chunked response (trailers dropped) and reuses the connection", async () => {
    const up = await rawUpstream((_head, socket) =>
      socket.write(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n" +
          "6\r\nhello \r\n5\r\nworld\r\n0\r\nX-Checksum: 1\r\n\r\n",
      ),
    );
    await serve(up);
    const agent = fx.agent(1);
    for (let i = 0; i < 3; i++) {
      const reply = await send(`${proxy.url}/c${i}`, { agent });
      expect(reply.status).toBe(200);
      expect(reply.body).toBe("hello world");
      expect(reply.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      expect(reply.headers["x-checksum"]).toBeUndefined();
    }
    expect(up.connections).toBe(1);
  });

  it("relays a body delimited by the connection's close, and opens a new one for the next", async () => {
    const up = await rawUpstream((_head, socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
      setImmediate(() => socket.end("the close"));
    });
    await serve(up);
    expect((await send(`${proxy.url}/a`)).body).toBe("until the close");
    expect((await send(`${proxy.url}/b`)).body).toBe("until the close");
    expect(up.connections).toBe(2);
  });

  it("reads no body after HEAD, 204 and 304, and keeps the connection for the next request", async () => {
    const up = await rawUpstream((head, socket) => {
      if (head.startsWith("HEAD")) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n");
      else if (head.includes("/none")) socket.write("HTTP/1.1 204 No Content\r\n\r\n");
      else if (head.includes("/same")) socket.write("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n");
      else socket.write("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world");
    });
    await serve(up);
    const agent = fx.agent(1);
    const head = await send(`${proxy.url}/h`, { method: "HEAD", agent });
    expect([head.status, head.headers["content-length"], head.body]).toEqual([200, "11", ""]);
    expect((await send(`${proxy.url}/none`, { agent })).status).toBe(204);
    const same = await send(`${proxy.url}/same`, { agent });
    expect([same.status, same.headers.etag]).toEqual([304, '"v1"']);
    expect((await send(`${proxy.url}/full`, { agent })).body).toBe("hello world");
    expect(up.connections).toBe(1);
  });

  it("skips 100 Continue and 103 Early Hints and relays the final answer", async () => {
    const up = await rawUpstream((_head, socket) =>
      socket.write(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" +
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      ),
    );
    await serve(up);
    const reply = await send(`${proxy.url}/`);
    expect([reply.status, reply.body]).toEqual([200, "ok"]);
  });

  it("answers 502 to a malformed response and to one cut short", async () => {
    const up = await rawUpstream((head, socket) => {
      if (head.includes("/bad")) socket.end("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx");
      else socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    });
    await serve(up);
    expect((await send(`${proxy.url}/bad`, { method: "POST" })).status).toBe(502);
    // The head went out before the cut: the client's response is cut short too.
    await expect(send(`${proxy.url}/short`, { method: "POST" })).rejects.toThrow();
  });

  it("opens a new connection when the app closed the kept-alive one while idle", async () => {
    const up = await rawUpstream((_head, socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    await serve(up);
    expect((await send(`${proxy.url}/1`)).body).toBe("ok");
    for (const socket of up.sockets) socket.destroy();
    await until(() => up.sockets.size === 0, "upstream sockets closed");
    expect((await send(`${proxy.url}/2`)).body).toBe("ok");
    expect(up.connections).toBe(2);
  });

  it("sends an idempotent request again on a fresh connection when a reused one closes unanswered", async () => {
    let answered = 0;
    const up = await rawUpstream((_head, socket) => {
      // The first connection answers once and then drops the next request unanswered.
      if (up.connections === 1 && answered > 0) return void socket.destroy();
      answered++;
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    await serve(up);
    expect((await send(`${proxy.url}/1`)).body).toBe("ok");
    const reply = await send(`${proxy.url}/2`);
    expect([reply.status, reply.body]).toEqual([200, "ok"]);
    expect(up.connections).toBe(2);
    const revision = (await proxy.client.stats()).find((r) => r.revision === "web@1");
    expect([revision?.responses["2xx"], revision?.responses["5xx"]]).toEqual([2, 0]);
  });
});
