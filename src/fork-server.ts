/**
 * Starts processes either from this process or, once startForkServer() was called, from a small
 * helper process that starts them for it: a fork server, as in Buck2 and Python's multiprocessing.
 * Two kinds: short commands whose output is wanted whole (git's questions) run like execFile;
 * a step's process streams its output as it comes (spawnStreaming).
 *
 * Why: starting a process forks the one that asks, and the event loop waits until the child has
 * started the command. From a server holding 100+ MB that wait grows with its memory (10 ms per
 * git here, against 5 ms from a fresh Node), and a run starts a dozen processes; meanwhile the
 * server answers no request and every step waits. Through the helper the server's loop waits for
 * nothing, and the fork is the small helper's.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import { StringDecoder } from "node:string_decoder";

export interface ExecOptions {
  cwd: string;
  /** The command's environment; default: this process's. */
  env?: Record<string, string | undefined>;
  maxBuffer?: number;
  /**
   * Work done ahead, that nothing waits for yet: started at a lower CPU priority (nice 10), so it
   * yields the cores to the commands a run is waiting for.
   */
  lowPriority?: boolean;
}

/** The niceness of `lowPriority` commands. */
const LOW_PRIORITY = 10;

/** What execFile gives: the whole output, text. */
export interface ExecResult {
  stdout: string;
  stderr: string;
}

/**
 * Rejects as promisified execFile does: an Error with `code` (the exit status, or an errno string
 * such as ENOENT when the command cannot start), `signal`, `stdout` and `stderr`. For commands that
 * may run twice: one a dying helper had started is run again from this process.
 */
export function execFileAsync(
  file: string,
  args: readonly string[],
  options: ExecOptions,
): Promise<ExecResult> {
  return server ? server.run(file, args, options) : direct(file, args, options);
}

/**
 * From now on, commands run through the helper: started by the first command (a server that runs
 * no pipeline starts none), and again if it dies; until it listens, they run from this process.
 */
export function startForkServer(): void {
  server ??= new ForkServer();
}

let server: ForkServer | undefined;

/** What a streamed process reports, in this order: spawned, data and exit (interleaved), close. */
export interface StreamHandlers {
  /** It started: its pid, also its process group's (it runs detached, in a session of its own). */
  spawned(pid: number): void;
  /** Output as text (UTF-8 decoded across chunk boundaries). */
  data(stream: "stdout" | "stderr", text: string): void;
  exit(code: number | null, signal: NodeJS.Signals | null): void;
  /** Its output pipes closed after its exit: nothing more arrives. */
  close(code: number | null, signal: NodeJS.Signals | null): void;
  /**
   * It could not start (`started` false), or the helper that started it died (`started` true:
   * its output and exit status are lost; the caller kills its group). Nothing follows.
   */
  failed(message: string, started: boolean): void;
}

export interface StreamOptions {
  cwd: string;
  env: Record<string, string>;
}

/** A streamed process: stopReading() closes its pipes (a background child kept them open). */
export interface StreamedProcess {
  stopReading(): void;
}

/**
 * Starts `file` detached (a process group of its own) with its output piped: from the helper
 * once it listens, else from this process.
 */
export function spawnStreaming(
  file: string,
  args: readonly string[],
  options: StreamOptions,
  handlers: StreamHandlers,
): StreamedProcess {
  return server ? server.spawn(file, args, options, handlers) : spawnHere(file, args, options, handlers);
}

function spawnHere(
  file: string,
  args: readonly string[],
  options: StreamOptions,
  on: StreamHandlers,
): StreamedProcess {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let failed = false;
  child.on("error", (error) => {
    failed = true;
    on.failed(error.message, false);
  });
  if (child.pid !== undefined) on.spawned(child.pid);
  for (const stream of ["stdout", "stderr"] as const) {
    const decoder = new StringDecoder("utf8");
    child[stream].on("data", (chunk: Buffer) => {
      const text = decoder.write(chunk);
      if (text) on.data(stream, text);
    });
    child[stream].on("end", () => {
      const text = decoder.end();
      if (text) on.data(stream, text);
    });
  }
  child.on("exit", (code, signal) => on.exit(code, signal));
  child.on("close", (code, signal) => {
    if (!failed) on.close(code, signal);
  });
  return {
    stopReading() {
      child.stdout.destroy();
      child.stderr.destroy();
    },
  };
}

const DEFAULT_MAX_BUFFER = 256 * 1024 * 1024;

function direct(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        encoding: "utf8",
        maxBuffer: options.maxBuffer ?? DEFAULT_MAX_BUFFER,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const failed: Error = Object.assign(error, { stdout, stderr });
        reject(failed);
      },
    );
    if (options.lowPriority) lowerPriority(child.pid);
  });
}

function lowerPriority(pid: number | undefined): void {
  try {
    if (pid !== undefined) setPriority(pid, LOW_PRIORITY);
  } catch {
    // Gone already, or not allowed: it runs at the usual priority.
  }
}

interface Request {
  id: number;
  file: string;
  args: readonly string[];
  options: ExecOptions;
}

interface Reply {
  id: number;
  stdout: string;
  stderr: string;
  error?: { message: string; code?: number | string; signal?: string | null; killed?: boolean };
}

/** What the helper says of a streamed process. */
type StreamReply = { id: number } & (
  | { spawned: number }
  | { stream: "stdout" | "stderr"; text: string }
  | { exit: [number | null, NodeJS.Signals | null] }
  | { close: [number | null, NodeJS.Signals | null] }
  | { failed: string }
);

/**
 * The helper: plain CommonJS handed to `node -e`, so it needs no file of its own (the bundle and
 * the test runner load this module from different places). Its environment is this process's at
 * start; a request that names one passes it on.
 */
const HELPER = `
process.title = "slipway fork-server";
const { execFile, spawn } = require("node:child_process");
const { setPriority } = require("node:os");
const { StringDecoder } = require("node:string_decoder");
const streamed = new Map();
function startStreamed({ id, file, args, options }) {
  let child;
  try {
    child = spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    return process.send({ id, failed: error.message });
  }
  streamed.set(id, child);
  let failed = false;
  child.on("error", (error) => { failed = true; streamed.delete(id); process.send({ id, failed: error.message }); });
  if (child.pid !== undefined) process.send({ id, spawned: child.pid });
  for (const stream of ["stdout", "stderr"]) {
    const decoder = new StringDecoder("utf8");
    const send = (text) => { if (text) process.send({ id, stream, text }); };
    child[stream].on("data", (chunk) => send(decoder.write(chunk)));
    child[stream].on("end", () => send(decoder.end()));
  }
  child.on("exit", (code, signal) => process.send({ id, exit: [code, signal] }));
  child.on("close", (code, signal) => { streamed.delete(id); if (!failed) process.send({ id, close: [code, signal] }); });
}
process.on("message", (message) => {
  if (message.kind === "spawn") return startStreamed(message);
  if (message.kind === "stop-reading") {
    const child = streamed.get(message.id);
    streamed.delete(message.id);
    child?.stdout.destroy();
    child?.stderr.destroy();
    return;
  }
  const { id, file, args, options } = message;
  const child = execFile(file, args, { ...options, encoding: "utf8" }, (error, stdout, stderr) => {
    const reply = { id, stdout, stderr };
    if (error) reply.error = { message: error.message, code: error.code, signal: error.signal, killed: error.killed };
    process.send(reply);
  });
  if (options.lowPriority && child.pid !== undefined) try { setPriority(child.pid, ${LOW_PRIORITY}); } catch {}
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
`;

class ForkServer {
  private helper: ChildProcess | undefined;
  private readonly pending = new Map<
    number,
    { request: Request; resolve: (r: ExecResult) => void; reject: (e: Error) => void }
  >();
  /** Streamed processes the helper started, until they close (or their reading stops). */
  private readonly streams = new Map<number, { handlers: StreamHandlers; started: boolean }>();
  private nextId = 0;
  /** The helper has started and listens; until then (a Node start) commands run from here. */
  private ready = false;

  spawn(
    file: string,
    args: readonly string[],
    options: StreamOptions,
    handlers: StreamHandlers,
  ): StreamedProcess {
    const helper = this.helper ?? this.start();
    if (!this.ready) return spawnHere(file, args, options, handlers);
    const id = this.nextId++;
    this.streams.set(id, { handlers, started: false });
    this.hold(true);
    helper.send(
      { kind: "spawn", id, file, args, options: { cwd: options.cwd, env: options.env } },
      (error) => {
        if (error) this.lose(id);
      },
    );
    return {
      stopReading: () => {
        if (!this.streams.delete(id)) return;
        this.holdWhileBusy();
        this.helper?.send({ kind: "stop-reading", id });
      },
    };
  }

  run(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const helper = this.helper ?? this.start();
    if (!this.ready) return direct(file, args, options);
    const id = this.nextId++;
    const request: Request = {
      id,
      file,
      args,
      options: {
        cwd: options.cwd,
        maxBuffer: options.maxBuffer ?? DEFAULT_MAX_BUFFER,
        ...(options.env ? { env: options.env } : {}),
        ...(options.lowPriority ? { lowPriority: true } : {}),
      },
    };
    return new Promise<ExecResult>((resolve, reject) => {
      this.pending.set(id, { request, resolve, reject });
      this.hold(true);
      helper.send(request, (error) => {
        if (error) this.runHere(id);
      });
    });
  }

  private start(): ChildProcess {
    const helper = spawn(process.execPath, ["-e", HELPER], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    helper.on("message", (message: Reply | StreamReply | { ready: true }) => {
      if ("ready" in message) this.ready = this.helper === helper;
      else if ("stdout" in message) this.settle(message);
      else this.relay(message);
    });
    // Gone (killed, or it could not start): what it had not answered runs here; the next request
    // starts another helper.
    const gone = () => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      this.ready = false;
      for (const id of [...this.pending.keys()]) this.runHere(id);
      // A streamed process is not started again: a step runs once. It lives on, unread.
      for (const id of [...this.streams.keys()]) this.lose(id);
    };
    helper.on("exit", gone);
    helper.on("error", gone);
    this.helper = helper;
    this.hold(false);
    return helper;
  }

  /** A request the helper cannot answer, run from this process instead. */
  private runHere(id: number): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    this.holdWhileBusy();
    const { file, args, options } = waiting.request;
    direct(file, args, options).then(waiting.resolve, waiting.reject);
  }

  /** A streamed process's news, to its handlers. */
  private relay(reply: StreamReply): void {
    const entry = this.streams.get(reply.id);
    if (!entry) return; // its reading stopped
    const on = entry.handlers;
    if ("spawned" in reply) {
      entry.started = true;
      on.spawned(reply.spawned);
    } else if ("text" in reply) on.data(reply.stream, reply.text);
    else if ("exit" in reply) on.exit(...reply.exit);
    else {
      this.streams.delete(reply.id);
      this.holdWhileBusy();
      if ("close" in reply) on.close(...reply.close);
      else on.failed(reply.failed, false);
    }
  }

  /** A streamed process whose helper is gone (or never got the request): reported failed. */
  private lose(id: number): void {
    const entry = this.streams.get(id);
    if (!entry) return;
    this.streams.delete(id);
    this.holdWhileBusy();
    entry.handlers.failed(
      entry.started
        ? "the helper process that started it (slipway fork-server) died: its output and exit status are lost"
        : "the helper process that starts it (slipway fork-server) died before it said the process had started",
      entry.started,
    );
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    this.holdWhileBusy();
    if (!reply.error) return waiting.resolve({ stdout: reply.stdout, stderr: reply.stderr });
    const { message, ...rest } = reply.error;
    waiting.reject(Object.assign(new Error(message), rest, { stdout: reply.stdout, stderr: reply.stderr }));
  }

  private holdWhileBusy(): void {
    if (this.pending.size === 0 && this.streams.size === 0) this.hold(false);
  }

  /** An idle helper keeps no process alive: only pending requests hold the event loop. */
  private hold(busy: boolean): void {
    const helper = this.helper;
    if (!helper) return;
    const channel = helper.channel as { ref(): void; unref(): void } | undefined;
    if (busy) {
      helper.ref();
      channel?.ref();
    } else {
      helper.unref();
      channel?.unref();
    }
  }
}
