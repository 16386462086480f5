import { createConnection, type Socket } from "node:net";
import { LOG_RING } from "./config.js";

/**
 * One request as HAProxy logged it (log-format of config.ts), handed over field by field: the
 * collector allocates no object per line.
 * `elapsedUs`: microseconds from the request to the end of its response; `killed`: termination
 * state starts with "K" (cut by the Runtime API: the drain deadline). For a `sync` frontend request
 * (the log barrier) backend is "sync" and server its path.
 */
export type OnRequest = (
  backend: string,
  server: string,
  status: number,
  elapsedUs: number,
  killed: boolean,
) => void;

const NL = 0x0a;
const SP = 0x20;
// "slw " at the start of a line: a request line (the stream also carries `show info` first).
const MARK = [0x73, 0x6c, 0x77, 0x20];

/** Parses an integer (optionally negative) in buf[from, to); NaN when it is not one. */
function int(buf: Buffer, from: number, to: number): number {
  let sign = 1;
  if (buf[from] === 0x2d) {
    sign = -1;
    from++;
  }
  if (from >= to) return Number.NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return sign * n;
}

/**
 * The string of the last name read in one field: a route's lines name the same backend and the same
 * few servers over and over, so comparing the bytes spares a string per field and line.
 */
class LastName {
  private readonly bytes = Buffer.alloc(64);
  private length = -1;
  private value = "";

  read(buf: Buffer, from: number, to: number): string {
    const length = to - from;
    if (length === this.length) {
      let i = 0;
      while (i < length && buf[from + i] === this.bytes[i]) i++;
      if (i === length) return this.value;
    }
    this.value = buf.toString("latin1", from, to);
    if (length <= this.bytes.length) {
      buf.copy(this.bytes, 0, from, to);
      this.length = length;
    } else this.length = -1;
    return this.value;
  }
}

/** Reuses the backend and server strings of consecutive lines (one per stream). */
export class LineParser {
  private readonly backend = new LastName();
  private readonly server = new LastName();

  constructor(private readonly onRequest: OnRequest) {}

  /**
   * Parses the request lines in buf[from, to) ("slw <backend> <server> <status> <us> <tsc>\n"...);
   * returns where the unfinished last line starts. One pass over the bytes noting the first five
   * spaces of each line: no regex, no line strings, no native call per field.
   */
  parse(buf: Buffer, from: number, to: number): number {
    let start = from;
    let spaces = 0;
    let mark = 0;
    let s = 0;
    let st = 0;
    let us = 0;
    let tsc = 0;
    for (let i = from; i < to; i++) {
      const c = buf[i]!;
      if (c === SP) {
        if (spaces === 0) mark = i;
        else if (spaces === 1) s = i;
        else if (spaces === 2) st = i;
        else if (spaces === 3) us = i;
        else if (spaces === 4) tsc = i;
        spaces++;
      } else if (c === NL) {
        if (spaces >= 5 && mark === start + 3 && i - start >= 12) this.line(buf, start, s, st, us, tsc);
        start = i + 1;
        spaces = 0;
      }
    }
    return start;
  }

  /** One line: "slw " at start, then the fields between the spaces at s, st, us and tsc. */
  private line(buf: Buffer, start: number, s: number, st: number, us: number, tsc: number): void {
    for (let i = 0; i < 3; i++) if (buf[start + i] !== MARK[i]) return;
    const status = int(buf, st + 1, us);
    const elapsed = int(buf, us + 1, tsc);
    if (Number.isNaN(status) || Number.isNaN(elapsed)) return;
    this.onRequest(
      this.backend.read(buf, start + 4, s),
      this.server.read(buf, s + 1, st),
      status,
      Math.max(0, elapsed),
      buf[tsc + 1] === 0x4b, // "K"
    );
  }
}

/** Parses the request lines in buf[from, to) with a parser of its own; see LineParser.parse. */
export function parseLines(buf: Buffer, from: number, to: number, onRequest: OnRequest): number {
  return new LineParser(onRequest).parse(buf, from, to);
}

interface Follower {
  socket: Socket;
  /** Resolves when the stream ended: the worker exited, or flushed its ring after `finish`. */
  closed: Promise<void>;
  finishing: boolean;
  /** Set while the stream rests between reads (see PACE_MS). */
  resting: NodeJS.Timeout | undefined;
}

/**
 * How long a stream rests after a read: meanwhile HAProxy's lines wait in the socket and then in
 * its ring, so one read takes the lines of many requests instead of a wake-up (and a context switch
 * on a busy machine) every few requests, and HAProxy, once the socket is full, sends them in larger
 * writes. Readers that need the log now (a log barrier) end the rest. Not longer: a read parses
 * what the rest gathered in one go on a core HAProxy shares (at 50 ms ~0.2–0.4 ms at 40k
 * requests/s, little of the latency budget); measured, 50 ms took about half the Node CPU per
 * request of 20 ms.
 */
const PACE_MS = 50;
/**
 * A read that brought this much is followed by the next one at once: lines come fast enough that a
 * rest would leave them waiting (a unix socket holds ~200 kB; HAProxy keeps the rest in its ring,
 * which must not fill up).
 */
const READ_ON_BYTES = 64 * 1024;
/** Bytes per read: more than a unix socket holds, so one read takes what a rest gathered. */
const READ_BYTES = 256 * 1024;

/**
 * Reads HAProxy's request log from the `slw` ring of each worker process: one `show events slw -w`
 * stream per worker on the stats socket, read in paced batches (PACE_MS), and a worker's ring is
 * read from its first line. An older worker that a reload left finishing requests keeps its stream
 * (which also keeps it alive) until `finish`: HAProxy then sends what its ring still holds and
 * closes, and the worker exits. No line is lost across reloads (a ring's own TCP forwarding stops at
 * the soft-stop of its worker, and UDP cost ~10 µs of Node CPU per line), nor while a stream rests
 * (HAProxy keeps what the socket cannot take in the ring).
 */
export class RingLogCollector {
  private readonly followers = new Map<number, Follower>();
  private readonly opening = new Map<number, Promise<void>>();
  /** Log barriers waiting: while any is, streams are read as lines come. */
  private urgent = 0;

  constructor(
    private readonly statsSocket: string,
    private readonly onRequest: OnRequest,
  ) {}

  /** Pids whose ring is being read. */
  following(): number[] {
    return [...this.followers.keys()];
  }

  /** Whether worker `pid`'s ring is read, or about to be. */
  isFollowing(pid: number): boolean {
    return this.followers.has(pid) || this.opening.has(pid);
  }

  /**
   * Runs `wait` (a log barrier) with every stream read as lines come, so the line it waits for is
   * not held up by a stream's rest.
   */
  async promptly<T>(wait: () => Promise<T>): Promise<T> {
    this.urgent++;
    for (const f of this.followers.values()) wake(f);
    try {
      return await wait();
    } finally {
      this.urgent--;
    }
  }

  /**
   * Starts reading worker `pid`'s ring: from its first line, or only new lines (`fromEnd`, for a
   * worker adopted from a previous control plane, whose earlier lines that one counted). Retries
   * while the stats socket answers from another worker (both hold the listener during a reload).
   */
  follow(pid: number, opts: { fromEnd?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.followers.has(pid)) return Promise.resolve();
    // Two callers at once (a reload, and a stats read that saw the new worker) share one stream.
    let opening = this.opening.get(pid);
    if (!opening) {
      opening = this.openFollower(pid, opts).finally(() => this.opening.delete(pid));
      this.opening.set(pid, opening);
    }
    return opening;
  }

  private async openFollower(pid: number, opts: { fromEnd?: boolean; timeoutMs?: number }): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
    for (;;) {
      const follower = await this.open(pid, opts.fromEnd ?? false).catch((error: Error) => error);
      if (!(follower instanceof Error)) {
        this.followers.set(pid, follower);
        void follower.closed.then(() => {
          if (this.followers.get(pid) === follower) this.followers.delete(pid);
        });
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`could not read the request log of HAProxy worker ${pid}: ${follower.message}`);
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  /**
   * The worker will log nothing more (no client connection left): let HAProxy flush the rest of
   * its ring to us and close the stream (a half-close ends `show events -w` once it is drained).
   */
  async finish(pid: number): Promise<void> {
    const follower = this.followers.get(pid);
    if (!follower) return;
    if (!follower.finishing) {
      follower.finishing = true;
      wake(follower);
      follower.socket.end();
    }
    await follower.closed;
  }

  close(): void {
    for (const f of this.followers.values()) {
      clearTimeout(f.resting);
      f.socket.destroy();
    }
    this.followers.clear();
  }

  private open(pid: number, fromEnd: boolean): Promise<Follower> {
    return new Promise((resolveOpen, failOpen) => {
      let rest: Buffer | undefined;
      const parser = new LineParser(this.onRequest);
      let checked = false;
      let settle: (() => void) | undefined;
      const closed = new Promise<void>((done) => (settle = done));
      // Reads go into one buffer of our own (no allocation per read), and pausing stops reading
      // from the socket itself (a paused socket without `onread` still reads into its queue).
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      const socket = createConnection({
        path: this.statsSocket,
        onread: { buffer, callback: (n) => read(buffer.subarray(0, n)) },
      });
      const follower: Follower = { socket, closed, finishing: false, resting: undefined };
      const read = (chunk: Buffer): boolean => {
        const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
        let from = 0;
        if (!checked) {
          // `show info` first: its "Pid: " says which worker answered.
          const at = buf.indexOf("\nPid: ");
          const eol = at < 0 ? -1 : buf.indexOf(NL, at + 1);
          if (eol < 0) {
            rest = Buffer.from(buf);
            return true;
          }
          const answered = Number(buf.toString("latin1", at + 6, eol));
          if (answered !== pid) {
            socket.destroy();
            failOpen(new Error(`the stats socket answered from worker ${answered}`));
            return false;
          }
          checked = true;
          from = eol + 1;
          resolveOpen(follower);
        }
        const end = parser.parse(buf, from, buf.length);
        // A copy: the read buffer is reused.
        rest = end < buf.length ? Buffer.from(buf.subarray(end)) : undefined;
        if (this.urgent > 0 || follower.finishing || chunk.length >= READ_ON_BYTES) return true;
        follower.resting = setTimeout(() => wake(follower), PACE_MS);
        follower.resting.unref();
        return false;
      };
      socket.on("connect", () =>
        socket.write(`show info;show events ${LOG_RING} -w${fromEnd ? " -n" : ""}\n`),
      );
      socket.on("error", (error) => {
        if (!checked) failOpen(error);
      });
      socket.on("close", () => {
        clearTimeout(follower.resting);
        if (!checked) failOpen(new Error("the stats socket closed the log stream"));
        settle?.();
      });
    });
  }
}

/** Ends a stream's rest: it reads again now. */
function wake(follower: Follower): void {
  clearTimeout(follower.resting);
  follower.resting = undefined;
  if (!follower.socket.destroyed) follower.socket.resume();
}
