// HAProxy's user-space instructions per request for the haproxy.cfg Slipway writes, and for that
// config with one part taken out at a time (issue 14: where the data plane's time goes). Counted
// by valgrind's callgrind between `callgrind_control -z` and `-d` around a wrk run, so the figure
// hardly moves with the machine's load (unlike CPU time); it leaves out the kernel (syscalls,
// wakeups), which the CPU-time benches (bench/proxy.mjs) see.
//
//   node bench/haproxy-instructions.mjs [--seconds 3] [--only name,name] [--reader]
//
// --reader also attaches the request-log reader (log-collector.ts) as the data plane does.
// Prints a table; writes nothing.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { importTs } from "./lib/import-ts.mjs";
import { ensureTools, freePort, sleep, startUpstream, table } from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    only: { type: "string" },
    reader: { type: "boolean", default: false },
  },
});
ensureTools({
  haproxy: "haproxy",
  valgrind: "valgrind",
  callgrind_control: "valgrind",
  wrk: "wrk",
  nginx: "nginx",
  curl: "curl",
});

const work = mkdtempSync(join(tmpdir(), "slipway-hinstr-"));
const cleanups = [];
const { planConfig } = await importTs("src/traffic/haproxy/config.ts");
const { RingLogCollector } = await importTs("src/traffic/haproxy/log-collector.ts");

const upstream = await startUpstream({ work, cleanups, kind: "nginx" });
const port = await freePort();
const dir = join(work, "haproxy");
const plan = planConfig(table(1, [{ id: "app@1", ports: [upstream.port] }]), {
  dir,
  statsSocket: join(dir, "admin.sock"),
  syncSocket: join(dir, "sync.sock"),
  listen: `127.0.0.1:${port}`,
  threads: 2,
});
// One process under valgrind: no master.
const base = plan.text.replace("  master-worker\n", "");
const line = (start) => base.split("\n").find((l) => l.startsWith(start));
const drop = (start) => (text) => (line(start) ? text.replace(`${line(start)}\n`, "") : text);
const revisionHeader = / {2}http-after-response set-header (\S+) (%\[[^\]]*\]) if (.*)\n/;

const variants = {
  "Slipway's haproxy.cfg": (t) => t,
  "without the request log": (t) => t.replace("  log global\n", ""),
  "log line without fields": (t) => t.replace(/log-format "slw [^"]*"/, 'log-format "slw"'),
  "without set-var of the start (%Ta in the log)": (t) =>
    drop("  http-request set-var(txn.t0)")(t).replace("%[date(0,us),sub(txn.t0)]", "%Ta"),
  "start in a capture, not a var (end - start in Node)": (t) =>
    drop("  http-request set-var(txn.t0)")(t)
      .replace("%[date(0,us),sub(txn.t0)]", "%[date(0,us)] %[capture.req.hdr(0)]")
      .replace(
        "frontend slipway\n",
        "frontend slipway\n  declare capture request len 20\n  http-request capture date(0,us) id 0\n",
      ),
  "without the revision header": (t) => t.replace(revisionHeader, ""),
  "revision header of a fixed value (no lookup, no test)": (t) =>
    t.replace(revisionHeader, "  http-after-response set-header $1 app@1\n"),
  "revision header added, not set (an app's own one kept)": (t) =>
    t.replace(revisionHeader, "  http-after-response add-header $1 $2 if $3\n"),
  "without the 504 rule of the drain cut": drop("  http-after-response set-status 504"),
  "without stripping the client's revision header": drop("  http-request del-header"),
  "stripping the client's revision header if present": (t) =>
    t.replace(/( {2}http-request del-header (\S+))\n/, "$1 if { req.hdr($2) -m found }\n"),
  "without health checks / observe": (t) => t.replace(/ check inter .*$/m, ""),
  "without server maxconn / maxqueue": (t) => t.replace(/maxconn \d+ maxqueue \d+ /, ""),
  "tune.bufsize at its default (16384)": drop("  tune.bufsize"),
  "haproxy alone (bench/proxy.mjs)": () =>
    [
      "global",
      "  maxconn 4000",
      "  nbthread 2",
      "defaults",
      "  mode http",
      "  timeout connect 5s",
      "  timeout client 30s",
      "  timeout server 30s",
      "  option http-keep-alive",
      "frontend fe",
      `  bind 127.0.0.1:${port}`,
      "  default_backend be",
      "backend be",
      "  http-reuse always",
      `  server app 127.0.0.1:${upstream.port}`,
      "",
    ].join("\n"),
};
const wanted = args.only?.split(",").map((w) => w.trim().toLowerCase());

const rows = [];
try {
  for (const [name, edit] of Object.entries(variants)) {
    if (wanted && !wanted.some((w) => name.toLowerCase().includes(w))) continue;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const text = edit(base);
    writeFileSync(join(dir, "haproxy.cfg"), text);
    for (const [file, content] of Object.entries(plan.maps)) writeFileSync(join(dir, file), content);
    const out = join(dir, "callgrind.out");
    const hp = spawn(
      "valgrind",
      [
        "--tool=callgrind",
        `--callgrind-out-file=${out}`,
        "haproxy",
        "-q",
        "-db",
        "-f",
        join(dir, "haproxy.cfg"),
      ],
      { stdio: "ignore", cwd: dir },
    );
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0; ; i++) {
      await sleep(200);
      try {
        execFileSync("curl", ["-sf", "-o", "/dev/null", url]);
        break;
      } catch {
        if (i > 150) throw new Error(`${name}: HAProxy under valgrind did not answer`);
      }
    }
    let lines = 0;
    const collector =
      args.reader && text.includes("admin.sock")
        ? new RingLogCollector(join(dir, "admin.sock"), () => lines++)
        : undefined;
    await collector?.follow(hp.pid, { timeoutMs: 30_000 });
    execFileSync("wrk", ["-t1", "-c10", "-d1s", url]);
    execFileSync("callgrind_control", ["-z", String(hp.pid)], { stdio: "ignore" });
    const result = execFileSync("wrk", ["-t1", "-c10", `-d${args.seconds}s`, url]).toString();
    execFileSync("callgrind_control", ["-d", String(hp.pid)], { stdio: "ignore" });
    const requests = Number(/(\d+) requests in/.exec(result)?.[1]);
    await sleep(300);
    const dump = readdirSync(dir)
      .filter((f) => f.startsWith("callgrind.out."))
      .sort()
      .at(-1);
    const instructions = Number(
      /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, dump), "utf8"))?.[1],
    );
    collector?.close();
    hp.kill("SIGTERM");
    await new Promise((done) => hp.once("exit", done));
    rows.push({ name, requests, perRequest: Math.round(instructions / requests) });
    console.log(
      `${name.padEnd(48)} ${String(rows.at(-1).perRequest).padStart(7)} instructions/request (${requests} requests)`,
    );
  }
} finally {
  for (const stop of cleanups.reverse()) await stop();
  rmSync(work, { recursive: true, force: true });
}
const reference = rows[0]?.perRequest;
console.log("\n| variant | instructions/request | vs Slipway's config |\n| --- | ---: | ---: |");
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.perRequest} | ${reference ? `${(((r.perRequest - reference) / reference) * 100).toFixed(1)} %` : "—"} |`,
  );
