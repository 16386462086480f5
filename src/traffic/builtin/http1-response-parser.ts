/**
 * An incremental HTTP/1.1 response parser for the proxy's upstream hop (RFC 9112), in plain
 * TypeScript: bytes go in as they arrive, split anywhere, and come out as a head, body chunks and
 * an end. One parser serves one connection; `expect` announces each request's method, as a
 * response's framing depends on it (HEAD has no body).
 *
 * Refused (a `ResponseParseError`): a malformed status line or header, a header block over the
 * limit, conflicting Content-Length values, a bad chunk size, bytes after a response when none was
 * asked for.
 */

/** A response's head as the upstream sent it. */
export interface ResponseHead {
  status: number;
  statusMessage: string;
  /** Header names and values as sent, in order: [name, value, name, value, ...]. */
  rawHeaders: string[];
  /** The connection can carry another request after this response. */
  keepAlive: boolean;
  /** Seconds from a `Keep-Alive: timeout=N` header, if any. */
  keepAliveTimeout: number | undefined;
}

export interface ResponseCallbacks {
  /** A final (non-1xx) response's head. */
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The response ended; the parser waits for the next `expect`. */
  onEnd(): void;
}

export class ResponseParseError extends Error {
  readonly code = "SLIPWAY_UPSTREAM_BAD_RESPONSE";
}

const enum State {
  /** No request outstanding: any byte is an error. */
  Idle,
  Head,
  /** Body framed by Content-Length. */
  Length,
  ChunkSize,
  ChunkData,
  /** The CRLF after a chunk's data. */
  ChunkEnd,
  Trailers,
  /** Body delimited by the connection's close. */
  UntilClose,
}

const CR = 13;
const LF = 10;
const DEFAULT_MAX_HEAD = 64 * 1024;
const MAX_LINE = 4096;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEX = /^[0-9A-Fa-f]{1,12}$/;

export class Http1ResponseParser {
  private state = State.Idle;
  private head = false;
  /** Bytes of the head (or of a chunk-size/trailer line) seen so far, when split across reads. */
  private pending: Buffer | undefined;
  private remaining = 0;
  private trailerBytes = 0;

  constructor(
    private readonly callbacks: ResponseCallbacks,
    private readonly maxHeadSize = DEFAULT_MAX_HEAD,
  ) {}

  /** A request went out: the next bytes are its response. */
  expect(method: string): void {
    this.state = State.Head;
    this.head = method === "HEAD";
    this.pending = undefined;
  }

  /** True while a response is expected or being read. */
  get busy(): boolean {
    return this.state !== State.Idle;
  }

  /** True once a response's body is read up to the connection's close (no length given). */
  get readsUntilClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** Feeds bytes read from the connection. Throws a ResponseParseError on a malformed response. */
  execute(data: Buffer): void {
    let at = 0;
    const end = data.length;
    while (at < end) {
      switch (this.state) {
        case State.Idle:
          throw new ResponseParseError("upstream sent bytes with no request outstanding");
        case State.Head:
          at = this.readHead(data, at);
          break;
        case State.Length: {
          const take = Math.min(this.remaining, end - at);
          const chunk = at === 0 && take === end ? data : data.subarray(at, at + take);
          at += take;
          this.remaining -= take;
          this.callbacks.onBody(chunk);
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.ChunkSize: {
          const line = this.readLine(data, at);
          if (line === undefined) return;
          at = line.next;
          const text = line.text;
          const semi = text.indexOf(";");
          const size = (semi >= 0 ? text.slice(0, semi) : text).trim();
          if (!HEX.test(size)) throw new ResponseParseError("bad chunk size");
          this.remaining = Number.parseInt(size, 16);
          if (this.remaining === 0) {
            this.state = State.Trailers;
            this.trailerBytes = 0;
          } else this.state = State.ChunkData;
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, end - at);
          const chunk = at === 0 && take === end ? data : data.subarray(at, at + take);
          at += take;
          this.remaining -= take;
          this.callbacks.onBody(chunk);
          if (this.remaining === 0) {
            this.state = State.ChunkEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkEnd: {
          const expected = this.remaining === 2 ? CR : LF;
          if (data[at] !== expected) throw new ResponseParseError("chunk data not followed by CRLF");
          at++;
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const line = this.readLine(data, at);
          if (line === undefined) return;
          this.trailerBytes += line.next - at;
          at = line.next;
          if (this.trailerBytes > this.maxHeadSize) throw new ResponseParseError("trailers too large");
          // Trailers are read and dropped; an empty line ends the message.
          if (line.text === "") this.finish();
          break;
        }
        case State.UntilClose:
          this.callbacks.onBody(at === 0 ? data : data.subarray(at));
          return;
        default: {
          const unreachable: never = this.state;
          return unreachable;
        }
      }
    }
  }

  /**
   * The connection closed. Ends a body read until close and returns true; false when a response
   * was cut short (or none had started: the caller tells those apart).
   */
  closed(): boolean {
    if (this.state !== State.UntilClose) return false;
    this.state = State.Idle;
    this.callbacks.onEnd();
    return true;
  }

  private finish(): void {
    this.state = State.Idle;
    this.callbacks.onEnd();
  }

  /** Reads up to the end of a head; returns where it stopped in `data`. */
  private readHead(data: Buffer, at: number): number {
    let buf: Buffer;
    let from: number;
    let offset: number;
    if (this.pending) {
      from = Math.max(0, this.pending.length - 3);
      buf = Buffer.concat([this.pending, at === 0 ? data : data.subarray(at)]);
      offset = this.pending.length;
    } else {
      buf = at === 0 ? data : data.subarray(at);
      from = 0;
      offset = 0;
    }
    const stop = buf.indexOf("\r\n\r\n", from, "latin1");
    if (stop < 0) {
      if (buf.length > this.maxHeadSize) throw new ResponseParseError("response head too large");
      this.pending = Buffer.from(buf);
      return data.length;
    }
    if (stop + 4 > this.maxHeadSize) throw new ResponseParseError("response head too large");
    this.pending = undefined;
    this.parseHead(buf.toString("latin1", 0, stop));
    // Where the head's end falls in `data`.
    return at + (stop + 4 - offset);
  }

  private parseHead(text: string): void {
    const lines = text.split("\r\n");
    const match = STATUS_LINE.exec(lines[0]!);
    if (!match) throw new ResponseParseError("bad status line");
    const minor = match[1];
    const status = Number(match[2]);
    if (status < 100) throw new ResponseParseError("bad status code");
    const rawHeaders: string[] = [];
    let length = -1;
    let chunked = false;
    let transferEncoding = false;
    let close = minor === "0";
    let keepAliveTimeout: number | undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new ResponseParseError("bad header line");
      const name = line.slice(0, colon);
      if (!TOKEN.test(name)) throw new ResponseParseError("bad header name");
      const value = line.slice(colon + 1).trim();
      if (value.includes("\r") || value.includes("\n") || value.includes("\0"))
        throw new ResponseParseError("bad header value");
      rawHeaders.push(name, value);
      // Only the few headers that frame the message are looked at.
      switch (name.length) {
        case 10:
          if (name.toLowerCase() === "connection") {
            const tokens = value.toLowerCase();
            if (/(^|,)\s*close\s*(,|$)/.test(tokens)) close = true;
            else if (minor === "0" && /(^|,)\s*keep-alive\s*(,|$)/.test(tokens)) close = false;
          } else if (name.toLowerCase() === "keep-alive") {
            const hint = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(value);
            if (hint) keepAliveTimeout = Number(hint[1]);
          }
          break;
        case 14:
          if (name.toLowerCase() === "content-length") {
            // A list of identical values is one value (RFC 9110 §8.6); differing ones are refused.
            for (const part of value.split(",")) {
              const digits = part.trim();
              if (!/^\d{1,15}$/.test(digits)) throw new ResponseParseError("bad content-length");
              const n = Number(digits);
              if (length >= 0 && n !== length) throw new ResponseParseError("conflicting content-length");
              length = n;
            }
          }
          break;
        case 17:
          if (name.toLowerCase() === "transfer-encoding") {
            transferEncoding = true;
            const codings = value.toLowerCase().split(",");
            chunked = codings[codings.length - 1]!.trim() === "chunked";
          }
          break;
        default:
      }
    }
    // 1xx informational answers (100 Continue, 103 Early Hints) are skipped: the final one follows.
    if (status < 200) {
      if (status === 101) throw new ResponseParseError("unexpected protocol switch");
      this.state = State.Head;
      return;
    }
    // Transfer-Encoding overrides Content-Length; such a response may be smuggling: not reused.
    if (transferEncoding && length >= 0) close = true;
    const head: ResponseHead = {
      status,
      statusMessage: match[3] ?? "",
      rawHeaders,
      keepAlive: !close,
      keepAliveTimeout,
    };
    const noBody = this.head || status === 204 || status === 304;
    if (noBody) this.state = State.Idle;
    else if (transferEncoding) {
      if (chunked) this.state = State.ChunkSize;
      else {
        this.state = State.UntilClose;
        head.keepAlive = false;
      }
    } else if (length >= 0) {
      this.state = length === 0 ? State.Idle : State.Length;
      this.remaining = length;
    } else {
      this.state = State.UntilClose;
      head.keepAlive = false;
    }
    this.callbacks.onHead(head);
    if (this.state === State.Idle) this.callbacks.onEnd();
  }

  /** Reads a CRLF-ended line (chunk sizes, trailers), possibly split across reads. */
  private readLine(data: Buffer, at: number): { text: string; next: number } | undefined {
    const lf = data.indexOf(LF, at);
    if (lf < 0) {
      const rest = data.subarray(at);
      this.pending = this.pending ? Buffer.concat([this.pending, rest]) : Buffer.from(rest);
      if (this.pending.length > MAX_LINE) throw new ResponseParseError("line too long");
      return undefined;
    }
    let line = data.subarray(at, lf);
    if (this.pending) {
      line = Buffer.concat([this.pending, line]);
      this.pending = undefined;
    }
    if (line.length > MAX_LINE) throw new ResponseParseError("line too long");
    if (line.length === 0 || line[line.length - 1] !== CR)
      throw new ResponseParseError("line not ended by CRLF");
    return { text: line.toString("latin1", 0, line.length - 1), next: lf + 1 };
  }
}
