import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpRequest } from "./http-request.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("httpRequest", { timeout: 20_000 }, () => {
  it("sends the method, headers and body, and returns the status and the whole body", async () => {
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            method: req.method,
            auth: req.headers.authorization,
            body,
            length: req.headers["content-length"],
          }),
        );
      });
    });
    const body = JSON.stringify({ name: "ünïcode" });
    const res = await httpRequest(`${url}/api/x`, {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body,
      timeoutMs: 5_000,
    });
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.text)).toEqual({
      method: "POST",
      auth: "Bearer t",
      body,
      length: String(Buffer.byteLength(body)),
    });
  });

  it("rejects with ECONNREFUSED when nothing listens, and ETIMEDOUT when the server stays silent", async () => {
    const closed = await serve(() => undefined);
    await new Promise((done) => servers.pop()?.close(done));
    await expect(
      httpRequest(`${closed}/`, { method: "GET", headers: {}, timeoutMs: 5_000 }),
    ).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    const silent = await serve(() => undefined);
    await expect(
      httpRequest(`${silent}/`, { method: "GET", headers: {}, timeoutMs: 200 }),
    ).rejects.toMatchObject({
      code: "ETIMEDOUT",
    });
  });
});
