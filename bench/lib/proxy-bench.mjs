// Helpers shared by the data-plane benches (proxy, proxy-haproxy, proxy-cutover, assets, soak):
// peer installation, a Slipway proxy child, nginx and the upstream, wrk runs, CPU ticks, machine
// description, and the sections of bench/RESULTS.md.
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export { writeResultsSection } from "./results.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Installs the Debian packages a benchmark compares against when their commands are missing. */
export function ensureTools(needed) {
  const missing = Object.entries(needed)
    .filter(([command]) => !hasCommand(command))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`install these Debian packages first: ${missing.join(" ")}`);
  console.error(`bench: installing ${missing.join(" ")}`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

export function hasCommand(command) {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function freePort() {
  const server = net.createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

export async function waitForPort(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((done) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), done(true)));
      socket.once("error", () => done(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

/**
 * A peer process. Not detached: Linux's autogroup scheduler gives every session an equal CPU
 * share, so detached peers would each compete with the whole machine as separate groups, and the
 * benchmark would measure the scheduler instead of the peers. Each peer stops its own children on
 * SIGTERM (nginx master, haproxy, slipway's cluster primary).
 */
export function startChild(command, args, opts = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], ...opts });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  return {
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Raises this process's autogroup priority (root only; children inherit the group), so the
 * benchmark's peers and its load generator share one group and get a larger share of a busy
 * machine. Returns the nice value in effect.
 */
export function raiseAutogroupPriority(nice = -10) {
  try {
    writeFileSync("/proc/self/autogroup", String(nice));
  } catch {
    /* not root or no autogroup: keep the default */
  }
  try {
    return readFileSync("/proc/self/autogroup", "utf8").trim();
  } catch {
    return "n/a";
  }
}

/**
 * Puts a process that started its own session (Slipway's HAProxy master is detached: setsid, so
 * a new autogroup at nice 0) at the benchmark's autogroup priority, so that it competes for the
 * CPU on the same terms as the peers (they and wrk share this process's raised group).
 */
export function matchAutogroupPriority(pid) {
  try {
    const nice = /nice (-?\d+)/.exec(readFileSync("/proc/self/autogroup", "utf8"))?.[1];
    if (nice !== undefined) writeFileSync(`/proc/${pid}/autogroup`, nice);
    return readFileSync(`/proc/${pid}/autogroup`, "utf8").trim();
  } catch {
    return "n/a";
  }
}

/**
 * `slipway proxy` from this checkout (built first), with its admin API driven by fetch. `entry`:
 * another build's dist/proxy.js to run instead (bench/proxy.mjs --compare).
 */
export async function startSlipway({
  listenPort,
  adminPort,
  stateDir,
  workers,
  entry,
  dataPlane = "builtin",
}) {
  const token = "bench-token";
  const proc = startChild(
    process.execPath,
    [
      entry ?? join(ROOT, "bin/slipway.js"),
      "proxy",
      "--listen",
      `127.0.0.1:${listenPort}`,
      "--admin",
      `127.0.0.1:${adminPort}`,
      "--state-dir",
      stateDir,
      "--workers",
      String(workers),
      "--data-plane",
      dataPlane,
    ],
    { env: { ...process.env, SLIPWAY_PROXY_TOKEN: token, SLIPWAY_LOG_LEVEL: "warn" } },
  );
  const admin = `http://127.0.0.1:${adminPort}`;
  const call = async (method, path, body) => {
    const res = await fetch(`${admin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await call("GET", "/v1/health");
      break;
    } catch (error) {
      if (Date.now() > deadline || proc.child.exitCode !== null)
        throw new Error(`slipway proxy did not start: ${proc.stderr() || error}`, { cause: error });
      await sleep(100);
    }
  }
  return { ...proc, call, url: `http://127.0.0.1:${listenPort}` };
}

export const POLICY = {
  tryTimeoutMs: 30_000,
  retries: 1,
  maxConnections: 10_000,
  maxPending: 10_000,
  outlier: { consecutiveErrors: 5, ejectionMs: 30_000, maxEjectedPercent: 50 },
  drainTimeoutMs: 30_000,
};

export function table(generation, revisions) {
  return {
    generation,
    routes: [
      {
        id: "bench/prod",
        hosts: [],
        pathPrefix: "/",
        revisions: revisions.map(({ id, weight = 1, ports }) => ({
          id,
          weight,
          instances: ports.map((port, i) => ({ id: `${id}-${i}`, host: "127.0.0.1", port })),
        })),
        policy: POLICY,
      },
    ],
  };
}

/** A small Node upstream: "hello world" and the revision name in a header. */
export async function nodeUpstream(name) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "x-upstream": name });
    res.end("hello world\n");
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    port: server.address().port,
    close: () => new Promise((done) => (server.closeAllConnections(), server.close(done))),
  };
}

export function machine() {
  const cpus = os.cpus();
  // nginx prints its version on stderr and wrk exits 1 after printing it: keep whatever came out.
  const version = (cmd, args) => {
    const out = spawnSync(cmd, args, { encoding: "utf8" });
    return `${out.stdout ?? ""}${out.stderr ?? ""}`.trim().split("\n")[0] || "n/a";
  };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: `${cpus.length} × ${cpus[0]?.model ?? "unknown"}`,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    load: os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(" "),
    nginx: hasCommand("nginx") ? version("nginx", ["-v"]) : "n/a",
    haproxy: hasCommand("haproxy") ? version("haproxy", ["-v"]) : "n/a",
    wrk: hasCommand("wrk") ? version("wrk", ["--version"]) : "n/a",
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * The traffic-port providers of bench/lib/traffic-providers.ts, bundled for plain Node. The bundle
 * goes under node_modules/.cache so its bare imports (undici...) resolve from this checkout.
 */
export async function loadProviders() {
  return (await loadTypeScript("bench/lib/traffic-providers.ts")).providers;
}

/** A TypeScript module of this checkout (path from the root), bundled for plain Node and imported. */
export async function loadTypeScript(entry) {
  const { build } = await import("esbuild");
  const { pathToFileURL } = await import("node:url");
  const name = entry.replace(/^.*\//, "").replace(/\.ts$/, ".mjs");
  const outfile = join(ROOT, "node_modules/.cache/slipway-bench", name);
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}

const execFileAsync = promisify(execFile);

/**
 * One wrk run (1 thread, `connections` connections, `--latency`): requests per second, requests,
 * p50 and p99 in ms, transfer per second, errors (non-2xx/3xx, plus 1 when wrk saw socket errors).
 */
export async function wrk(url, { seconds, connections, headers = [] }) {
  const { stdout } = await execFileAsync(
    "wrk",
    ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", ...headers.flatMap((h) => ["-H", h]), url],
    { maxBuffer: 1 << 20 },
  );
  const ms = (label) => {
    const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(stdout);
    if (!match) return NaN;
    const value = Number(match[1]);
    return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(stdout)?.[1] ?? "";
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN),
    p50: ms("50"),
    p99: ms("99"),
    transfer: /Transfer\/sec:\s+(\S+)/.exec(stdout)?.[1] ?? "?",
    errors: non2xx + (socketErrors ? 1 : 0),
    raw: stdout,
  };
}

/** User + system clock ticks (1/100 s) of a process and (unless `own`) all its descendants (/proc). */
export function cpuTicks(pid, own = false) {
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += Number(fields[11]) + Number(fields[12]);
    if (own) return total;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      for (const child of children ? children.split(" ") : []) total += cpuTicks(Number(child));
    }
  } catch {
    /* gone */
  }
  return total;
}

/** An nginx.conf in `dir` with the benches' common settings around `main` and `http` directives. */
export function nginxConf(dir, { main, http }) {
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
${main}
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  ${http}
}
`,
  );
  return conf;
}

/** nginx in `<work>/<name>`, stopped by the bench's cleanups. */
export function startNginx({ work, cleanups }, name, main, http) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const proc = startChild("nginx", ["-c", nginxConf(dir, { main, http }), "-p", dir]);
  cleanups.push(() => proc.stop());
  return proc;
}

/** The upstream every peer proxies to: nginx's `return 200` (default) or a Node http server. */
export async function startUpstream({ work, cleanups, kind }) {
  if (kind === "node") {
    const upstream = await nodeUpstream("app");
    cleanups.push(() => upstream.close());
    return { port: upstream.port, label: "Node 20 http server (1 process), 12-byte body" };
  }
  const port = await freePort();
  startNginx(
    { work, cleanups },
    "upstream",
    "worker_processes 1;",
    `server { listen 127.0.0.1:${port}; location / { return 200 "hello world\\n"; } }`,
  );
  await waitForPort(port);
  return { port, label: 'nginx `return 200 "hello world"` (1 worker)' };
}
