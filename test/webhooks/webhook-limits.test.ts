/**
 * Webhook deliveries on a real server, as an attacker without the secret sends them: refused
 * before the body is read (no signature, declared length over the cap), cut as soon as a streamed
 * body passes the cap, and refused past the concurrency limit. Raw sockets, so the test sees
 * exactly how much of the body the server took before it answered and closed.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signGitHubPayload } from "../../src/webhooks/signature.js";
import { startHooksWorld, type HooksWorld } from "../runs-api/support.js";

const SECRET = "limits-webhook-secret";
const MAX_BYTES = 1024 * 1024;
const TWENTY_MB = 20 * 1024 * 1024;
const WRONG = `sha256=${"0".repeat(64)}`;

let h: HooksWorld;
let port: number;

beforeAll(async () => {
  h = await startHooksWorld({
    workflows: {},
    env: {
      SLIPWAY_WEBHOOK_SECRET: SECRET,
      SLIPWAY_WEBHOOK_MAX_BYTES: String(MAX_BYTES),
      SLIPWAY_WEBHOOK_MAX_CONCURRENT: "2",
    },
  });
  port = Number(new URL(h.api.base).port);
}, 60_000);

afterAll(async () => {
  await h?.close();
}, 30_000);

interface RawPost {
  socket: Socket;
  /** Status and head of the response, once it arrives. */
  response: Promise<{ status: number; head: string }>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  /** Body bytes the socket accepted (written to the kernel). */
  written(): number;
  /** Writes until the server answers or closes; resolves with the bytes written. */
  stream(total: number): Promise<number>;
}

function rawPost(headers: Record<string, string>): RawPost {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined); // EPIPE/ECONNRESET once the server closed: expected here
  const lines = Object.entries({
    host: "127.0.0.1",
    "content-type": "application/json",
    "x-github-event": "push",
    "x-github-delivery": `d-${Math.random()}`,
    ...headers,
  }).map(([k, v]) => `${k}: ${v}`);
  socket.write(`POST /api/webhooks/github HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
  let received = "";
  let bodyBytes = 0;
  let answered = false;
  const response = new Promise<{ status: number; head: string }>((resolve, reject) => {
    socket.on("data", (data: Buffer) => {
      received += data.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end !== -1 && !answered) {
        answered = true;
        resolve({ status: Number(received.slice(9, 12)), head: received.slice(0, end).toLowerCase() });
      }
    });
    socket.once("close", () => {
      if (!answered) reject(new Error("closed without a response"));
    });
  });
  response.catch(() => undefined); // held posts are destroyed unanswered on purpose
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return {
    socket,
    response,
    closed,
    written: () => bodyBytes,
    async stream(total) {
      while (bodyBytes < total && !answered && !socket.destroyed) {
        const size = Math.min(chunk.length, total - bodyBytes);
        const flushed = socket.write(chunk.subarray(0, size));
        bodyBytes += size;
        if (!flushed) {
          await Promise.race([
            new Promise((ok) => socket.once("drain", ok)),
            closed,
            response.then(
              () => undefined,
              () => undefined,
            ),
          ]);
        }
      }
      return bodyBytes;
    },
  };
}

describe("webhook deliveries from senders without the secret", () => {
  it("refuses an unsigned 20 MB post before reading its body, and closes the connection", async () => {
    const post = rawPost({ "content-length": String(TWENTY_MB) });
    await post.stream(64 * 1024); // one chunk; the server must answer without the other 20 MB
    const { status, head } = await post.response;
    expect(status).toBe(401);
    expect(head).toContain("connection: close");
    await post.closed;
    expect(post.written()).toBe(64 * 1024);
  });

  it("refuses a declared length over the cap before reading the body (413)", async () => {
    const post = rawPost({ "content-length": String(TWENTY_MB), "x-hub-signature-256": WRONG });
    await post.stream(64 * 1024);
    expect((await post.response).status).toBe(413);
    await post.closed;
  });

  it("stops reading a chunked 20 MB body with a wrong signature once it passes the cap (413)", async () => {
    const post = rawPost({ "transfer-encoding": "chunked", "x-hub-signature-256": WRONG });
    // Chunked framing by hand: one 20 MB chunk, written in pieces as the socket takes them.
    post.socket.write(`${TWENTY_MB.toString(16)}\r\n`);
    const written = await post.stream(TWENTY_MB);
    const { status, head } = await post.response;
    expect(status).toBe(413);
    expect(head).toContain("connection: close");
    await post.closed;
    // The server stopped at the cap: the sender could not hand over the whole body.
    expect(written).toBeLessThan(TWENTY_MB);
  });

  it("answers 503 past the concurrency limit while deliveries are being read, and serves again after", async () => {
    // Two deliveries that never finish their body hold both reading slots.
    const held = [rawPost({ "content-length": "100000", "x-hub-signature-256": WRONG })];
    held.push(rawPost({ "content-length": "100000", "x-hub-signature-256": WRONG }));
    for (const post of held) post.socket.write("{");
    const small = JSON.stringify({ zen: "hi" });
    const deliverSmall = async () => {
      const post = rawPost({
        "content-length": String(Buffer.byteLength(small)),
        "x-hub-signature-256": signGitHubPayload("not-the-secret", small),
      });
      post.socket.write(small);
      const reply = await post.response;
      post.socket.destroy();
      return reply;
    };
    // The held posts reach the handler asynchronously: ask until the limit shows (bounded).
    let refused: { status: number; head: string } | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const reply = await deliverSmall();
      if (reply.status === 503) refused = reply;
      else expect(reply.status).toBe(401);
    }
    expect(refused?.head).toContain("retry-after: 1");
    for (const post of held) post.socket.destroy();
    let after = 503;
    for (let i = 0; i < 200 && after === 503; i++) after = (await deliverSmall()).status;
    expect(after).toBe(401);
  });
});
