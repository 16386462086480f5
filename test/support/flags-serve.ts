import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

// The built CLI (`npm run build` first) as a real process, for tests of the flag server's clients.
const BIN = join(import.meta.dirname, "..", "..", "bin", "slipway.js");
// Only bounds a hang: starting a process takes seconds on a loaded machine.
const WAIT_MS = 60_000;

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** `slipway flags serve FILE… --port PORT` (0: a free port), resolved once it prints its address. */
export function startFlagsServe(files: string[], port = 0): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, "flags", "serve", ...files, "--port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`flags serve did not start; stderr: ${stderr}`));
    }, WAIT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: match[1]!, child, stderr: () => stderr, stop });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`flags serve exited with ${code}; stderr: ${stderr}`));
    });
  });
}

export interface CliDetails {
  key: string;
  value: unknown;
  variant: string | null;
  reason: string;
  errorCode: string | null;
  errorMessage: string | null;
  flagMetadata: Record<string, unknown>;
}

/** `slipway flags eval --json`: what an evaluation gives, to compare a provider's answers with. */
export async function cliEval(
  files: string[],
  flag: string,
  options: { type?: string; defaultValue: unknown; context?: Record<string, unknown> },
): Promise<CliDetails> {
  const args = [BIN, "flags", "eval", ...files.flatMap((f) => ["--file", f]), "--flag", flag, "--json"];
  if (options.type) args.push("--type", options.type);
  args.push("--default", JSON.stringify(options.defaultValue));
  if (options.context) args.push("--context", JSON.stringify(options.context));
  const { stdout } = await promisify(execFile)(process.execPath, args);
  return JSON.parse(stdout) as CliDetails;
}

/** Polls until the predicate holds (no timing thresholds: the deadline only bounds a hang). */
export async function eventually(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface RecordingProxy {
  url: string;
  /** "METHOD /path STATUS" per request forwarded; "METHOD /path DOWN" when the target was unreachable. */
  log: string[];
  close: () => Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of a flag server that records each request's status, so a test
 * can see a client's 200s and 304s. While the target is down it drops the connection, as a dead
 * server would.
 */
export async function startRecordingProxy(target: () => string): Promise<RecordingProxy> {
  const { createServer } = await import("node:http");
  const log: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && !["host", "connection", "content-length"].includes(name))
          headers[name] = value;
      }
      fetch(`${target()}${req.url}`, {
        method: req.method,
        headers,
        ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
      })
        .then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          log.push(`${req.method} ${req.url} ${answer.status}`);
          const out: Record<string, string> = {};
          answer.headers.forEach((value, name) => {
            if (!["content-length", "connection", "transfer-encoding", "keep-alive"].includes(name))
              out[name] = value;
          });
          res.writeHead(answer.status, out);
          res.end(body);
        })
        .catch(() => {
          log.push(`${req.method} ${req.url} DOWN`);
          res.destroy();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
