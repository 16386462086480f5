import http, {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { performance } from "node:perf_hooks";
import type { DataPlane, Instance, Revision, RouteRuntime, Waiter } from "./data-plane.js";
import { hostOf, matchRoute, pathOf, pickRevision, REVISION_HEADER } from "./pick-revision.js";
import { failureBody, failureStatus, type ProxyFailure } from "./errors.js";

/** Headers that describe one hop's connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
  "transfer-encoding",
]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
/** Errors raised before the request left the proxy: safe to retry elsewhere whatever the method. */
const NOT_SENT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

type Phase = "routing" | "queued" | "upstream" | "streaming" | "done";

/**
 * One proxied HTTP request, from routing to the last byte. Errors the proxy makes up go through
 * `fail`, which maps the cause to a status in one place (errors.ts).
 */
class HttpExchange implements Waiter {
  private phase: Phase = "routing";
  private readonly startedAt = performance.now();
  private route: RouteRuntime | undefined;
  private revision: Revision | undefined;
  private instance: Instance | undefined;
  private upstreamReq: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tries = 0;
  private tried: Set<Instance> | undefined;
  private bodyStarted = false;
  private timedOut = false;
  private readonly hasBody: boolean;
  private headers: OutgoingHttpHeaders | undefined;
  /** Sticky assignment to add to the upstream's response (set by a weighted pick). */
  private setCookie: string | undefined;
  /** Reached by a signed preview token: counted apart, never in the revision's analysis numbers. */
  private preview = false;

  constructor(
    private readonly plane: DataPlane,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    const h = req.headers;
    this.hasBody =
      h["transfer-encoding"] !== undefined ||
      (h["content-length"] !== undefined && h["content-length"] !== "0");
    res.once("close", () => this.onClientClose());
  }

  start(): void {
    const plane = this.plane;
    const req = this.req;
    const compiled = matchRoute(plane.compiled, hostOf(req.headers.host), pathOf(req.url));
    if (!compiled) return this.failUnrouted("no-route");
    const pick = pickRevision(compiled, {
      host: hostOf(req.headers.host),
      path: pathOf(req.url),
      headers: req.headers,
    });
    if (pick.kind === "no-weight") return this.failUnrouted("no-instance");
    const route = plane.routes.get(compiled.route.id);
    const revision = route?.revisions.get(pick.revision.id);
    if (!route || !revision) return this.failUnrouted("no-route");
    this.route = route;
    this.revision = revision;
    this.setCookie = pick.setCookie;
    this.preview = pick.reason === "preview";
    revision.inflight++;
    this.dispatch();
  }

  /** Picks an instance of the revision and sends, or queues when every instance is at its limit. */
  private dispatch(): void {
    const revision = this.revision!;
    const choice = this.plane.chooseInstance(revision, this.tried);
    switch (choice.kind) {
      case "instance":
        return this.send(choice.instance);
      case "none":
        return this.fail("no-instance");
      case "full": {
        const route = this.route!;
        if (route.pending >= revision.policy.maxPending) return this.fail("circuit-open");
        route.pending++;
        revision.waiters.push(this);
        this.phase = "queued";
        // Waiting longer than one try would take is answered like a full circuit.
        this.timer = setTimeout(() => {
          if (this.leaveQueue()) this.fail("circuit-open");
        }, revision.policy.tryTimeoutMs);
        return;
      }
      default: {
        const unreachable: never = choice;
        return unreachable;
      }
    }
  }

  wake(reason: "slot" | "reroute"): void {
    if (this.phase !== "queued") return;
    clearTimeout(this.timer);
    this.route!.pending--;
    this.phase = "routing";
    if (reason === "slot") return this.dispatch();
    // The revision left the table before this request reached it: route it again.
    this.plane.finishOnRevision(this.revision!);
    this.revision = undefined;
    this.start();
  }

  private leaveQueue(): boolean {
    if (this.phase !== "queued") return false;
    const waiters = this.revision!.waiters;
    const index = waiters.indexOf(this);
    if (index >= 0) waiters.splice(index, 1);
    this.route!.pending--;
    this.phase = "routing";
    return true;
  }

  private send(instance: Instance): void {
    const revision = this.revision!;
    this.instance = instance;
    instance.inflight++;
    instance.exchanges.add(this);
    this.tries++;
    this.phase = "upstream";
    this.timedOut = false;
    const req = this.req;
    const upstream = instance.upstream;
    const upstreamReq = http.request({
      host: upstream.host,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: (this.headers ??= forwardHeaders(req)),
      agent: instance.agent,
    });
    this.upstreamReq = upstreamReq;
    upstreamReq.on("response", (res) => this.onResponse(upstreamReq, res));
    upstreamReq.on("error", (error: NodeJS.ErrnoException) => this.onUpstreamError(upstreamReq, error));
    this.timer = setTimeout(() => this.onTimeout(upstreamReq), revision.policy.tryTimeoutMs);
    if (!this.hasBody) {
      upstreamReq.end();
      return;
    }
    // The body is read from the client only once the upstream connection is up, so a refused
    // connection leaves it unread and the request can still go to another instance.
    upstreamReq.once("socket", (socket: Socket) => {
      if (socket.connecting) socket.once("connect", () => this.pipeBody(upstreamReq));
      else this.pipeBody(upstreamReq);
    });
  }

  private pipeBody(upstreamReq: ClientRequest): void {
    if (upstreamReq !== this.upstreamReq || this.phase !== "upstream") return;
    this.bodyStarted = true;
    this.req.pipe(upstreamReq);
  }

  private onResponse(upstreamReq: ClientRequest, upstreamRes: IncomingMessage): void {
    if (upstreamReq !== this.upstreamReq || this.phase !== "upstream") {
      upstreamRes.resume();
      return;
    }
    clearTimeout(this.timer);
    const status = upstreamRes.statusCode ?? 502;
    this.plane.noteOutcome(this.instance!, status >= 500);
    this.phase = "streaming";
    const res = this.res;
    res.writeHead(
      status,
      upstreamRes.statusMessage,
      responseHeaders(upstreamRes.headers, this.revision!.id, this.setCookie),
    );
    upstreamRes.pipe(res);
    upstreamRes.once("error", () => this.abortStreaming(502));
    res.once("finish", () => this.complete(status));
  }

  private onTimeout(upstreamReq: ClientRequest): void {
    if (upstreamReq !== this.upstreamReq || this.phase !== "upstream") return;
    this.timedOut = true;
    upstreamReq.destroy(Object.assign(new Error("per-try timeout"), { code: "SLIPWAY_TRY_TIMEOUT" }));
  }

  private onUpstreamError(upstreamReq: ClientRequest, error: NodeJS.ErrnoException): void {
    if (upstreamReq !== this.upstreamReq) return;
    // The status line already went out: all we can do is cut the client's response short.
    if (this.phase === "streaming") return this.abortStreaming(502);
    if (this.phase !== "upstream") return;
    clearTimeout(this.timer);
    const instance = this.instance!;
    this.plane.noteOutcome(instance, true);
    this.leaveInstance();
    if (this.mayRetry(error, upstreamReq)) {
      (this.tried ??= new Set()).add(instance);
      this.phase = "routing";
      return this.dispatch();
    }
    this.fail(this.timedOut ? "timeout" : "upstream-error");
  }

  /** Retry only where the upstream cannot have acted on the request, or acting twice is harmless. */
  private mayRetry(error: NodeJS.ErrnoException, upstreamReq: ClientRequest): boolean {
    if (this.tries > this.revision!.policy.retries || this.bodyStarted || this.res.destroyed) return false;
    if (NOT_SENT.has(error.code ?? "")) return true;
    if (upstreamReq.reusedSocket && error.code === "ECONNRESET" && !this.hasBody) return true; // keep-alive race
    return IDEMPOTENT.has(this.req.method ?? "") && !this.hasBody;
  }

  private leaveInstance(): void {
    const instance = this.instance;
    if (!instance) return;
    this.instance = undefined;
    this.plane.release(instance, this);
  }

  /** Drain deadline passed with this request still running on its revision. */
  cut(): void {
    if (this.phase === "done") return;
    this.revision!.counters.cutAtDrain++;
    const upstreamReq = this.upstreamReq;
    this.upstreamReq = undefined;
    upstreamReq?.destroy();
    if (this.phase === "streaming") return this.abortStreaming(504);
    clearTimeout(this.timer);
    this.leaveInstance();
    this.fail("drain-cut");
  }

  private onClientClose(): void {
    if (this.phase === "done") return;
    // The client left before its response was complete: stop the upstream work and log it.
    clearTimeout(this.timer);
    this.leaveQueue();
    const upstreamReq = this.upstreamReq;
    this.upstreamReq = undefined;
    upstreamReq?.destroy();
    this.plane.log.info(
      { method: this.req.method, url: this.req.url, revision: this.revision?.id },
      "client gone before the response ended (499)",
    );
    this.complete(failureStatus("client-gone"));
  }

  /** Cuts a response whose head was already sent, recording why (not as "client gone"). */
  private abortStreaming(status: number): void {
    if (this.phase !== "streaming") return;
    const upstreamReq = this.upstreamReq;
    this.upstreamReq = undefined;
    upstreamReq?.destroy();
    this.complete(status);
    this.res.destroy();
  }

  /** Answers with a proxy-made error (the only place that decides such a status). */
  private fail(failure: ProxyFailure): void {
    const status = failureStatus(failure);
    const res = this.res;
    this.phase = "streaming";
    if (!res.headersSent && !res.destroyed) {
      const body = failureBody(failure);
      const headers: OutgoingHttpHeaders = {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(body),
      };
      if (this.revision) headers[REVISION_HEADER] = this.revision.id;
      // Unread request bodies would otherwise be left on a keep-alive connection.
      if (this.hasBody && !this.bodyStarted) headers.connection = "close";
      res.writeHead(status, headers);
      res.end(body);
    }
    this.complete(status);
  }

  private failUnrouted(failure: ProxyFailure): void {
    this.plane.unrouted++;
    this.fail(failure);
  }

  private complete(status: number): void {
    if (this.phase === "done") return;
    this.phase = "done";
    clearTimeout(this.timer);
    this.leaveInstance();
    const revision = this.revision;
    if (revision) {
      if (this.preview) revision.counters.previews++;
      else revision.counters.record(status, performance.now() - this.startedAt);
      this.plane.finishOnRevision(revision);
    }
  }
}

export function handleHttp(plane: DataPlane, req: IncomingMessage, res: ServerResponse): void {
  new HttpExchange(plane, req, res).start();
}

/**
 * WebSocket (any Upgrade) pass-through: the handshake goes to an instance picked like any request;
 * after the 101 both sockets are piped together and tracked so a drain closes them at once.
 */
export function handleUpgrade(plane: DataPlane, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on("error", () => socket.destroy());
  const startedAt = performance.now();
  const host = hostOf(req.headers.host);
  const path = pathOf(req.url);
  const compiled = matchRoute(plane.compiled, host, path);
  const pick = compiled ? pickRevision(compiled, { host, path, headers: req.headers }) : undefined;
  const revision =
    pick?.kind === "revision"
      ? plane.routes.get(compiled!.route.id)?.revisions.get(pick.revision.id)
      : undefined;
  const setCookie = pick?.kind === "revision" ? pick.setCookie : undefined;
  if (!revision) {
    plane.unrouted++;
    return rawFail(socket, compiled ? "no-instance" : "no-route");
  }
  // Preview handshakes are testers' traffic: counted apart, like preview requests.
  const preview = pick?.kind === "revision" && pick.reason === "preview";
  const record = (status: number) => {
    if (preview) revision.counters.previews++;
    else revision.counters.record(status, performance.now() - startedAt);
  };
  const choice = plane.chooseInstance(revision);
  if (choice.kind !== "instance") {
    record(503);
    return rawFail(socket, choice.kind === "full" ? "circuit-open" : "no-instance", revision.id);
  }
  const instance = choice.instance;
  const headers = forwardHeaders(req);
  headers.connection = "Upgrade";
  headers.upgrade = req.headers.upgrade ?? "websocket";
  const upstreamReq = http.request({
    host: instance.upstream.host,
    port: instance.upstream.port,
    method: req.method,
    path: req.url,
    headers,
    agent: false,
  });
  const timer = setTimeout(
    () => upstreamReq.destroy(Object.assign(new Error("timeout"), { code: "SLIPWAY_TRY_TIMEOUT" })),
    revision.policy.tryTimeoutMs,
  );
  upstreamReq.on("error", (error: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    plane.noteOutcome(instance, true);
    const failure: ProxyFailure = error.code === "SLIPWAY_TRY_TIMEOUT" ? "timeout" : "upstream-error";
    record(failureStatus(failure));
    rawFail(socket, failure, revision.id);
  });
  upstreamReq.on("response", (res) => {
    // The upstream refused the upgrade: relay its answer as is.
    clearTimeout(timer);
    const status = res.statusCode ?? 502;
    plane.noteOutcome(instance, status >= 500);
    record(status);
    socket.write(rawHead(status, res.statusMessage ?? "", res.rawHeaders, revision.id, true, setCookie));
    res.pipe(socket);
  });
  upstreamReq.on("upgrade", (res, upstreamSocket, upstreamHead) => {
    clearTimeout(timer);
    plane.noteOutcome(instance, false);
    record(res.statusCode ?? 101);
    if (instance.draining || socket.destroyed) {
      upstreamSocket.destroy();
      socket.destroy();
      return;
    }
    const link = {
      cut() {
        socket.destroy();
        upstreamSocket.destroy();
      },
    };
    instance.websockets.add(link);
    const close = () => {
      link.cut();
      if (instance.websockets.delete(link)) plane.finishWebSocket(revision);
    };
    socket.on("close", close);
    upstreamSocket.on("close", close);
    upstreamSocket.on("error", close);
    socket.write(
      rawHead(
        res.statusCode ?? 101,
        res.statusMessage ?? "Switching Protocols",
        res.rawHeaders,
        revision.id,
        false,
        setCookie,
      ),
    );
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });
  upstreamReq.end();
}

function rawHead(
  status: number,
  message: string,
  rawHeaders: string[],
  revision: string,
  close: boolean,
  setCookie?: string,
): string {
  let head = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (close && (HOP_BY_HOP.has(lower) || lower === "content-length")) continue;
    head += `${name}: ${rawHeaders[i + 1]}\r\n`;
  }
  head += `${REVISION_HEADER}: ${revision}\r\n`;
  if (setCookie !== undefined) head += `set-cookie: ${setCookie}\r\n`;
  if (close) head += "connection: close\r\n";
  return `${head}\r\n`;
}

function rawFail(socket: Duplex, failure: ProxyFailure, revision?: string): void {
  if (socket.destroyed) return;
  const body = failureBody(failure);
  const status = failureStatus(failure);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Error"}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      (revision ? `${REVISION_HEADER}: ${revision}\r\n` : "") +
      `connection: close\r\n\r\n${body}`,
  );
}

function forwardHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const source = req.headers;
  const out: OutgoingHttpHeaders = {};
  for (const name in source) {
    if (!HOP_BY_HOP.has(name)) out[name] = source[name];
  }
  // Chunked bodies stay chunked: Node re-frames them when it sees this header.
  if (source["transfer-encoding"] !== undefined) out["transfer-encoding"] = "chunked";
  const connection = source.connection;
  if (connection && connection !== "keep-alive" && connection !== "close") {
    for (const token of connection.split(",")) delete out[token.trim().toLowerCase()];
  }
  const remote = req.socket.remoteAddress ?? "";
  const prior = source["x-forwarded-for"];
  out["x-forwarded-for"] = prior ? `${String(prior)}, ${remote}` : remote;
  out["x-forwarded-proto"] = (req.socket as Socket & { encrypted?: boolean }).encrypted ? "https" : "http";
  if (source.host !== undefined) out["x-forwarded-host"] = source.host;
  return out;
}

function responseHeaders(
  source: IncomingHttpHeaders,
  revision: string,
  setCookie: string | undefined,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in source) {
    if (!HOP_BY_HOP.has(name)) out[name] = source[name];
  }
  out[REVISION_HEADER] = revision;
  // Appended, never replacing: the app's own cookies (sessions, CSRF) must all reach the client.
  if (setCookie !== undefined) out["set-cookie"] = [...(source["set-cookie"] ?? []), setCookie];
  return out;
}
