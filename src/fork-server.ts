/**
 * Short commands whose output is wanted whole (git's questions) run like execFile, either from
 * this process or, once startForkServer() was called, from a small helper process that starts
 * them for it: a fork server, as in Buck2 and Python's multiprocessing.
 *
 * Why: starting a process forks the one that asks, and the event loop waits until the child has
 * started the command. From a server holding 100+ MB that wait grows with its memory (10 ms per
 * git here, against 5 ms from a fresh Node), and a run asks git a dozen times; meanwhile the server
 * answers no request. Through the helper the server's loop waits for nothing, and the fork is the
 * small helper's.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";

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

/**
 * The helper: plain CommonJS handed to `node -e`, so it needs no file of its own (the bundle and
 * the test runner load this module from different places). Its environment is this process's at
 * start; a request that names one passes it on.
 */
const HELPER = `
process.title = "slipway fork-server";
const { execFile } = require("node:child_process");
const { setPriority } = require("node:os");
process.on("message", ({ id, file, args, options }) => {
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
  private nextId = 0;
  /** The helper has started and listens; until then (a Node start) commands run from here. */
  private ready = false;

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
    helper.on("message", (message: Reply | { ready: true }) => {
      if ("ready" in message) this.ready = this.helper === helper;
      else this.settle(message);
    });
    // Gone (killed, or it could not start): what it had not answered runs here; the next request
    // starts another helper.
    const gone = () => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      this.ready = false;
      for (const id of [...this.pending.keys()]) this.runHere(id);
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
    if (this.pending.size === 0) this.hold(false);
    const { file, args, options } = waiting.request;
    direct(file, args, options).then(waiting.resolve, waiting.reject);
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.hold(false);
    if (!reply.error) return waiting.resolve({ stdout: reply.stdout, stderr: reply.stderr });
    const { message, ...rest } = reply.error;
    waiting.reject(Object.assign(new Error(message), rest, { stdout: reply.stdout, stderr: reply.stderr }));
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
