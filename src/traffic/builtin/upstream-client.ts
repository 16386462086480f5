import net from "node:net";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import { Http1ResponseParser, type ResponseHead } from "./http1-response-parser.js";

/**
 * The built-in proxy's HTTP/1.1 client for its upstream hop: one pool of keep-alive sockets per
 * instance, a request head written in one write, request bodies streamed, responses read by a
 * small parser (http1-response-parser.ts). It does only what the proxy needs, which costs less CPU
 * per request than a general client (bench/proxy.mjs: "undici pool (reference)").
 *
 * No timeouts of its own: the proxy's per-try timeout aborts a call, and a streaming response may
 * idle. Idle sockets are kept `keepAliveMs` (4 s, under Node's 5 s server keepAliveTimeout, so the
 * proxy never reuses a socket the app is closing; an app's `Keep-Alive: timeout=N` hint is honoured,
 * minus 2 s).
 */

/** What the proxy sends: headers as a flat [name, value, ...] list, already filtered. */
export interface UpstreamRequest {
  method: string;
  path: string;
  headers: string[];
  /** The client's request body, read only once the request is being written; null for none. */
  body: Readable | null;
}

export interface UpstreamHandler {
  /** Connected; the request is being written (and its body read from now on). */
  onRequestStart(): void;
  onResponse(status: number, statusMessage: string, rawHeaders: string[]): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  /** The call failed; it is over (no further callbacks). */
  onError(error: UpstreamError): void;
}

/**
 * A failed call. `code`: a socket's errno (ECONNREFUSED, ECONNRESET, ...),
 * SLIPWAY_UPSTREAM_CLOSED (the upstream closed before the response ended),
 * SLIPWAY_UPSTREAM_BAD_RESPONSE, or SLIPWAY_UNFORWARDABLE (refused before sending).
 */
export type UpstreamError = NodeJS.ErrnoException & {
  /** The socket had carried an earlier response (a kept-alive one). */
  reused?: boolean;
};

export interface UpstreamPoolOptions {
  /** Idle sockets kept at most (more are closed on release). */
  maxIdle?: number;
  keepAliveMs?: number;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
const KEEP_ALIVE_THRESHOLD_MS = 2_000;

function upstreamError(message: string, code: string, reused = false): UpstreamError {
  return Object.assign(new Error(message), { code, reused });
}

/** One request on the pool, from `request` until it ends, fails or is aborted. */
export class UpstreamCall {
  conn: Connection | undefined;
  done = false;
  /** Response bytes seen (a close before any is the keep-alive race). */
  answered = false;
  /** The request body was read to its end and written. */
  written = false;
  private onBodyData: ((chunk: Buffer) => void) | undefined;
  private onBodyEnd: (() => void) | undefined;

  constructor(
    readonly pool: UpstreamPool,
    readonly request: UpstreamRequest,
    readonly handler: UpstreamHandler,
  ) {}

  /** Stops the call: its socket is closed, and it reports nothing more. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.detachBody();
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    conn.call = undefined;
    conn.destroy();
  }

  /** Backpressure from the client: stop reading the upstream until `resume`. */
  pause(): void {
    if (!this.done) this.conn?.socket.pause();
  }

  resume(): void {
    if (!this.done) this.conn?.socket.resume();
  }

  /** Writes the request on a connected socket (head in one write, body streamed). */
  write(conn: Connection): void {
    this.conn = conn;
    conn.call = this;
    const { method, path, headers, body } = this.request;
    conn.parser.expect(method);
    this.answered = false;
    this.handler.onRequestStart();
    if (this.done) return;
    let head = `${method} ${path} HTTP/1.1\r\n`;
    let host = false;
    let length = false;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 4 && name.toLowerCase() === "host") host = true;
      else if (name.length === 14 && name.toLowerCase() === "content-length") length = true;
      head += `${name}: ${headers[i + 1]}\r\n`;
    }
    if (!host) head += `host: ${this.pool.authority}\r\n`;
    const chunked = body !== null && !length;
    if (chunked) head += "transfer-encoding: chunked\r\n";
    head += "connection: keep-alive\r\n\r\n";
    const socket = conn.socket;
    socket.write(head, "latin1");
    if (body === null) {
      this.written = true;
      return;
    }
    this.onBodyData = (chunk: Buffer) => {
      if (this.done || chunk.length === 0) return;
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
        socket.write(chunk);
        ok = socket.write("\r\n", "latin1");
        socket.uncork();
      } else ok = socket.write(chunk);
      if (!ok) {
        body.pause();
        socket.once("drain", () => {
          if (!this.done) body.resume();
        });
      }
    };
    this.onBodyEnd = () => {
      if (this.done) return;
      if (chunked) socket.write("0\r\n\r\n", "latin1");
      this.written = true;
      this.detachBody();
    };
    body.on("data", this.onBodyData);
    body.on("end", this.onBodyEnd);
  }

  detachBody(): void {
    const body = this.request.body;
    if (!body || !this.onBodyData) return;
    body.removeListener("data", this.onBodyData);
    body.removeListener("end", this.onBodyEnd!);
    this.onBodyData = undefined;
    this.onBodyEnd = undefined;
  }
}

/** One socket to the upstream, with its parser; carries one call at a time. */
export class Connection {
  call: UpstreamCall | undefined;
  readonly parser: Http1ResponseParser;
  /** Responses completed on this socket. */
  served = 0;
  connected = false;
  idleSince = 0;
  idleMs: number;
  /** The current response allows reusing the socket. */
  private keepAlive = false;
  private dead = false;

  constructor(
    readonly pool: UpstreamPool,
    readonly socket: net.Socket,
  ) {
    this.idleMs = pool.keepAliveMs;
    this.parser = new Http1ResponseParser({
      onHead: (head) => this.onHead(head),
      onBody: (chunk) => this.call?.handler.onData(chunk),
      onEnd: () => this.onEnd(),
    });
    socket.setNoDelay(true);
    socket.on("connect", () => this.onConnect());
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("end", () => this.onClosed(undefined));
    socket.on("error", (error: NodeJS.ErrnoException) => this.onClosed(error));
    socket.on("close", () => this.onClosed(undefined));
  }

  private onConnect(): void {
    this.connected = true;
    const call = this.call;
    if (!call || call.done) return this.release();
    call.write(this);
  }

  private onHead(head: ResponseHead): void {
    this.keepAlive = head.keepAlive;
    if (head.keepAliveTimeout !== undefined)
      this.idleMs = Math.min(this.pool.keepAliveMs, head.keepAliveTimeout * 1000 - KEEP_ALIVE_THRESHOLD_MS);
    this.call?.handler.onResponse(head.status, head.statusMessage, head.rawHeaders);
  }

  private onData(data: Buffer): void {
    const call = this.call;
    if (!call) {
      // An idle socket has nothing to say: the upstream is misbehaving or closing it.
      this.destroy();
      return;
    }
    call.answered = true;
    try {
      this.parser.execute(data);
    } catch (error) {
      const err = error as UpstreamError;
      this.fail(upstreamError(err.message, err.code ?? "SLIPWAY_UPSTREAM_BAD_RESPONSE"));
    }
  }

  private onEnd(): void {
    this.served++;
    const call = this.call;
    if (!call) return;
    // The socket goes back (or is closed) first, so the handler's next request may reuse it.
    if (call.written) this.release();
    else {
      // Answered before the request's body was all sent: the socket cannot carry another request.
      this.call = undefined;
      call.done = true;
      call.conn = undefined;
      call.detachBody();
      this.destroy();
    }
    call.handler.onEnd();
  }

  /** Hands the socket back to the pool when it can carry another request. */
  release(): void {
    const call = this.call;
    this.call = undefined;
    if (call) {
      call.done = true;
      call.conn = undefined;
    }
    if (this.dead) return;
    if (!this.connected || !this.keepAlive || this.parser.busy || this.idleMs <= 0) return this.destroy();
    this.socket.resume();
    this.pool.putIdle(this);
  }

  /** The socket failed or closed (`error` undefined: closed by the upstream). */
  private onClosed(error: NodeJS.ErrnoException | undefined): void {
    if (this.dead) return;
    const call = this.call;
    // A body read until the close ends here.
    if (call && !error && this.parser.readsUntilClose) {
      this.parser.closed();
      return;
    }
    this.dead = true;
    this.pool.forget(this);
    this.socket.destroy();
    if (!call) return;
    const reused = this.served > 0;
    if (!call.answered && reused && !call.request.body && IDEMPOTENT.has(call.request.method)) {
      // Keep-alive race: the app closed an idle socket as the proxy wrote on it. Nothing was
      // answered and the request is idempotent without a body: sent again on a fresh socket.
      this.call = undefined;
      call.conn = undefined;
      this.pool.connect(call);
      return;
    }
    const code = error?.code ?? "SLIPWAY_UPSTREAM_CLOSED";
    this.fail(
      upstreamError(error?.message ?? "upstream closed the connection before the response ended", code, reused),
    );
  }

  private fail(error: UpstreamError): void {
    const call = this.call;
    this.call = undefined;
    this.destroy();
    if (!call || call.done) return;
    call.done = true;
    call.conn = undefined;
    call.detachBody();
    error.reused ??= this.served > 0;
    call.handler.onError(error);
  }

  destroy(): void {
    if (!this.dead) {
      this.dead = true;
      this.pool.forget(this);
    }
    this.socket.destroy();
  }
}

/** Keep-alive sockets to one instance (host:port). */
export class UpstreamPool {
  readonly authority: string;
  readonly keepAliveMs: number;
  private readonly maxIdle: number;
  private readonly idle: Connection[] = [];
  /**
   * Every open socket, idle or not. Changed only when a socket opens or closes: a set sockets
   * joined and left per request cost a hash table per few requests (see linked-list.ts).
   */
  private readonly open = new Set<Connection>();
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    options: UpstreamPoolOptions = {},
  ) {
    this.authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    this.keepAliveMs = options.keepAliveMs ?? 4_000;
    this.maxIdle = options.maxIdle ?? 256;
  }

  /** Starts a request: on an idle socket at once, or once a new one connects. */
  request(request: UpstreamRequest, handler: UpstreamHandler): UpstreamCall {
    const call = new UpstreamCall(this, request, handler);
    const path = request.path;
    // As undici: a path must be origin-form or absolute-form (`OPTIONS *` is not forwarded).
    if (path[0] !== "/" && !path.startsWith("http://") && !path.startsWith("https://")) {
      call.done = true;
      queueMicrotask(() =>
        handler.onError(upstreamError(`path cannot be forwarded: ${path}`, "SLIPWAY_UNFORWARDABLE")),
      );
      return call;
    }
    if (this.closed) {
      call.done = true;
      queueMicrotask(() => handler.onError(upstreamError("pool closed", "SLIPWAY_UPSTREAM_CLOSED")));
      return call;
    }
    const now = performance.now();
    let conn: Connection | undefined;
    while ((conn = this.idle.pop())) {
      if (now - conn.idleSince < conn.idleMs) break;
      conn.destroy();
    }
    if (conn) call.write(conn);
    else this.connect(call);
    return call;
  }

  /** Opens a new socket for a call. */
  connect(call: UpstreamCall): void {
    if (call.done) return;
    if (this.closed) {
      call.done = true;
      return call.handler.onError(upstreamError("pool closed", "SLIPWAY_UPSTREAM_CLOSED"));
    }
    const socket = net.connect({ host: this.host, port: this.port });
    const conn = new Connection(this, socket);
    conn.call = call;
    call.conn = conn;
    this.open.add(conn);
  }

  putIdle(conn: Connection): void {
    if (this.closed || this.idle.length >= this.maxIdle) return conn.destroy();
    conn.idleSince = performance.now();
    this.idle.push(conn);
    this.sweeper ??= setInterval(() => this.sweep(), 1_000).unref();
  }

  /** A socket is gone: out of both lists. */
  forget(conn: Connection): void {
    this.open.delete(conn);
    const index = this.idle.indexOf(conn);
    if (index >= 0) this.idle.splice(index, 1);
  }

  /** Closes idle sockets past their time (a reuse checks too: this only frees them sooner). */
  private sweep(): void {
    const now = performance.now();
    for (const conn of [...this.idle]) if (now - conn.idleSince >= conn.idleMs) conn.destroy();
    if (this.idle.length === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Closes every socket; calls still running fail. */
  destroy(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const conn of [...this.open]) {
      const call = conn.call;
      conn.destroy();
      if (call && !call.done) {
        call.done = true;
        call.detachBody();
        // Reported later: the pool's owner is in the middle of disposing of it.
        const error = upstreamError("upstream pool closed", "SLIPWAY_UPSTREAM_CLOSED");
        queueMicrotask(() => call.handler.onError(error));
      }
    }
  }
}
