import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { performance } from "node:perf_hooks";
import type { UpstreamCall, UpstreamError, UpstreamHandler } from "./upstream-client.js";
import type { Cuttable, DataPlane, Instance, Revision, RouteRuntime, Waiter } from "./data-plane.js";
import { ListNode } from "./linked-list.js";
import { Deadline, type Expiring } from "./timeouts.js";
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
/**
 * Request headers the proxy does not pass on: hop-by-hop ones, the x-forwarded-* it sets itself,
 * and `expect` (the proxy's server already answered 100-continue to the client).
 */
const NOT_FORWARDED = new Set([
  ...HOP_BY_HOP,
  "expect",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
/** Errors raised before the request left the proxy: safe to retry elsewhere whatever the method. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

/** What routing sees of a request's headers on a route that looks at none. */
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

type Phase = "routing" | "queued" | "upstream" | "streaming" | "done";

/**
 * One try of a request on one instance: the upstream client's handler for it. A try the exchange
 * gave up on (timed out, cut, client gone) is aborted, and reports nothing more.
 */
class UpstreamTry implements UpstreamHandler {
  call: UpstreamCall | undefined;

  constructor(private readonly exchange: HttpExchange) {}

  onRequestStart(): void {
    this.exchange.onRequestStart(this);
  }

  onResponse(status: number, statusMessage: string, rawHeaders: string[]): void {
    this.exchange.onResponse(this, status, rawHeaders, statusMessage);
  }

  onData(chunk: Buffer): void {
    this.exchange.onData(this, chunk);
  }

  onEnd(): void {
    this.exchange.onEnd(this);
  }

  onError(error: UpstreamError): void {
    this.exchange.onUpstreamError(this, error);
  }

  abort(): void {
    this.call?.abort();
  }
}

/**
 * One proxied HTTP request, from routing to the last byte. Errors the proxy makes up go through
 * `fail`, which maps the cause to a status in one place (errors.ts).
 */
class HttpExchange implements Waiter, Cuttable, Expiring {
  private phase: Phase = "routing";
  private readonly startedAt = performance.now();
  private route: RouteRuntime | undefined;
  private revision: Revision | undefined;
  private instance: Instance | undefined;
  private attempt: UpstreamTry | undefined;
  /** The queue wait or the running try's timeout (plane.timeouts). */
  private readonly deadline = new Deadline(this);
  /** Its place among the requests running on `instance`. */
  private readonly onInstance = new ListNode<Cuttable>(this);
  private tries = 0;
  private tried: Set<Instance> | undefined;
  private bodyStarted = false;
  private timedOut = false;
  private readonly hasBody: boolean;
  /** The request's headers for the upstream (read once, straight from the raw headers). */
  private readonly head: ForwardedHead;
  /** The upstream's status, once its response started. */
  private status = 0;
  /** Sticky assignment to add to the upstream's response (set by a weighted pick). */
  private setCookie: string | undefined;
  /** Reached by a signed preview token: counted apart, never in the revision's analysis numbers. */
  private preview = false;

  constructor(
    private readonly plane: DataPlane,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.head = forwardedHead(req);
    this.hasBody = this.head.hasBody;
    // One listener for both ends: "close" follows "finish" when the response went out whole.
    res.once("close", () => this.onClose());
  }

  start(): void {
    const plane = this.plane;
    const req = this.req;
    const host = hostOf(this.head.host);
    const path = pathOf(req.url);
    const compiled = matchRoute(plane.compiled, host, path);
    if (!compiled) return this.failUnrouted("no-route");
    // Node builds req.headers only when read: routes without preview or canary never do.
    const headers = compiled.preview || compiled.canary ? req.headers : NO_HEADERS;
    const pick = pickRevision(compiled, { host, path, headers });
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
        // Waiting longer than one try would take is answered like a full circuit (see `expire`).
        this.plane.timeouts.start(this.deadline, revision.policy.tryTimeoutMs);
        return;
      }
      default: {
        const unreachable: never = choice;
        return unreachable;
      }
    }
  }

  /** The queue wait or the running try took too long. */
  expire(): void {
    if (this.phase === "queued") {
      if (this.leaveQueue()) this.fail("circuit-open");
    } else if (this.attempt) this.onTimeout(this.attempt);
  }

  private stopTimer(): void {
    this.plane.timeouts.cancel(this.deadline);
  }

  wake(reason: "slot" | "reroute"): void {
    if (this.phase !== "queued") return;
    this.stopTimer();
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
    instance.exchanges.append(this.onInstance);
    this.tries++;
    this.phase = "upstream";
    this.timedOut = false;
    const req = this.req;
    const attempt = new UpstreamTry(this);
    this.attempt = attempt;
    this.plane.timeouts.start(this.deadline, revision.policy.tryTimeoutMs);
    attempt.call = instance.pool.request(
      {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: this.head.headers,
        body: this.hasBody ? req : null,
      },
      attempt,
    );
  }

  /**
   * The request is being written on a connected socket. The client reads the body only from here
   * on, so a refused connection leaves it unread and the request can still go to another instance.
   */
  onRequestStart(attempt: UpstreamTry): void {
    if (attempt !== this.attempt || this.phase !== "upstream" || !this.hasBody) return;
    this.bodyStarted = true;
  }

  onResponse(attempt: UpstreamTry, status: number, headers: string[], statusMessage: string): void {
    if (attempt !== this.attempt || this.phase !== "upstream") {
      attempt.abort();
      return;
    }
    this.stopTimer();
    this.plane.noteOutcome(this.instance!, status >= 500);
    this.phase = "streaming";
    const res = this.res;
    const out = responseHeaders(headers, this.revision!.id, this.setCookie);
    if (statusMessage) res.writeHead(status, statusMessage, out);
    else res.writeHead(status, out);
    this.status = status;
  }

  onData(attempt: UpstreamTry, chunk: Buffer): void {
    if (attempt !== this.attempt || this.phase !== "streaming") return;
    // Backpressure: a slow client pauses the upstream instead of filling the proxy's memory.
    if (!this.res.write(chunk)) {
      attempt.call?.pause();
      this.res.once("drain", () => attempt.call?.resume());
    }
  }

  onEnd(attempt: UpstreamTry): void {
    if (attempt !== this.attempt || this.phase !== "streaming") return;
    this.res.end();
  }

  private onTimeout(attempt: UpstreamTry): void {
    if (attempt !== this.attempt || this.phase !== "upstream") return;
    this.timedOut = true;
    const error = Object.assign(new Error("per-try timeout"), { code: "SLIPWAY_TRY_TIMEOUT" });
    attempt.abort();
    this.onUpstreamError(attempt, error);
  }

  onUpstreamError(attempt: UpstreamTry, error: UpstreamError): void {
    if (attempt !== this.attempt) return;
    // The status line already went out: all we can do is cut the client's response short.
    if (this.phase === "streaming") return this.abortStreaming(502);
    if (this.phase !== "upstream") return;
    this.stopTimer();
    const instance = this.instance!;
    // The request's fault, not the instance's: never retried, never counted toward ejection.
    if (error.code === "SLIPWAY_UNFORWARDABLE") {
      this.leaveInstance();
      return this.fail("unforwardable");
    }
    this.plane.noteOutcome(instance, true);
    this.leaveInstance();
    if (this.mayRetry(error)) {
      (this.tried ??= new Set()).add(instance);
      this.phase = "routing";
      return this.dispatch();
    }
    this.fail(this.timedOut ? "timeout" : "upstream-error");
  }

  /** Retry only where the upstream cannot have acted on the request, or acting twice is harmless. */
  private mayRetry(error: UpstreamError): boolean {
    if (this.tries > this.revision!.policy.retries || this.bodyStarted || this.res.destroyed) return false;
    const code = error.code ?? "";
    if (NOT_SENT.has(code)) return true;
    // Keep-alive race: the app closed an idle connection as the proxy wrote on it (the client sends
    // idempotent requests again on a fresh socket itself; others without a body come here).
    if (error.reused && !this.hasBody && (code === "SLIPWAY_UPSTREAM_CLOSED" || code === "ECONNRESET"))
      return true;
    return IDEMPOTENT.has(this.req.method ?? "") && !this.hasBody;
  }

  private leaveInstance(): void {
    const instance = this.instance;
    if (!instance) return;
    this.instance = undefined;
    this.plane.release(instance, this.onInstance);
  }

  /** Drain deadline passed with this request still running on its revision. */
  cut(): void {
    if (this.phase === "done") return;
    this.revision!.counters.cutAtDrain++;
    this.abandonAttempt();
    if (this.phase === "streaming") return this.abortStreaming(504);
    this.stopTimer();
    this.leaveInstance();
    this.fail("drain-cut");
  }

  /** Stops the running try, if any: its connection is closed and its callbacks are ignored. */
  private abandonAttempt(): void {
    const attempt = this.attempt;
    this.attempt = undefined;
    if (!attempt) return;
    attempt.abort();
  }

  private onClose(): void {
    if (this.phase === "done") return;
    if (this.phase === "streaming" && this.res.writableFinished) return this.complete(this.status);
    // The client left before its response was complete: stop the upstream work and log it.
    this.stopTimer();
    this.leaveQueue();
    this.abandonAttempt();
    this.plane.log.info(
      { method: this.req.method, url: this.req.url, revision: this.revision?.id },
      "client gone before the response ended (499)",
    );
    this.complete(failureStatus("client-gone"));
  }

  /** Cuts a response whose head was already sent, recording why (not as "client gone"). */
  private abortStreaming(status: number): void {
    if (this.phase !== "streaming") return;
    this.abandonAttempt();
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
      if (this.hasBody && !this.req.complete) headers.connection = "close";
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
    this.stopTimer();
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
  const headers = forwardedHead(req).headers;
  headers.push("connection", "Upgrade", "upgrade", req.headers.upgrade ?? "websocket");
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

/** What the proxy reads from a request's raw headers, in one pass. */
export interface ForwardedHead {
  /** For the upstream, as a flat [name, value, ...] list. */
  headers: string[];
  /** The first Host header. */
  host: string | undefined;
  /** A body follows (chunked, or a non-zero Content-Length). */
  hasBody: boolean;
}

/**
 * The request's headers for the upstream, read straight from the raw headers (no object per
 * request): hop-by-hop ones and those named by `Connection` dropped, X-Forwarded-For appended to,
 * X-Forwarded-Proto and X-Forwarded-Host set, Host kept.
 */
export function forwardedHead(req: IncomingMessage): ForwardedHead {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let host: string | undefined;
  let named: string[] | undefined;
  let hasBody = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (NOT_FORWARDED.has(lower)) {
      if (lower === "x-forwarded-for")
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      else if (lower === "connection") named = connectionTokens(value, named);
      else if (lower === "transfer-encoding") hasBody = true;
      continue;
    }
    if (lower === "host") {
      // One Host only (the first, as Node's req.headers keeps it).
      if (host !== undefined) continue;
      host = value;
    } else if (lower === "content-length" && value !== "0") hasBody = true;
    out.push(name, value);
  }
  const remote = req.socket.remoteAddress ?? "";
  out.push("x-forwarded-for", forwardedFor === undefined ? remote : `${forwardedFor}, ${remote}`);
  out.push(
    "x-forwarded-proto",
    (req.socket as Socket & { encrypted?: boolean }).encrypted ? "https" : "http",
  );
  if (host !== undefined) out.push("x-forwarded-host", host);
  return { headers: named ? withoutNamed(out, named) : out, host, hasBody };
}

/** Header names listed in a Connection header (besides keep-alive and close), lower case. */
function connectionTokens(value: string, seen: string[] | undefined): string[] | undefined {
  let tokens = seen;
  for (const token of value.split(",")) {
    const name = token.trim().toLowerCase();
    if (name === "" || name === "keep-alive" || name === "close") continue;
    (tokens ??= []).push(name);
  }
  return tokens;
}

function withoutNamed(headers: string[], named: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (!named.includes(name.toLowerCase())) out.push(name, headers[i + 1]!);
  }
  return out;
}

/**
 * The upstream's response headers for the client as a flat [name, value, ...] list, in the order
 * sent (repeated ones such as Set-Cookie kept), without hop-by-hop ones, plus the serving revision
 * and any sticky assignment (appended: the app's own cookies must all reach the client).
 */
function responseHeaders(source: string[], revision: string, setCookie: string | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < source.length; i += 2) {
    const name = source[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, source[i + 1]!);
  }
  out.push(REVISION_HEADER, revision);
  if (setCookie !== undefined) out.push("set-cookie", setCookie);
  return out;
}
