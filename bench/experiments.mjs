#!/usr/bin/env node
// Experiments: (1) ingesting the providers' exposure and conversion events through
// POST /api/flags/events of the real control plane (`slipway up`) on loopback — events per second
// and request latency, batches of 100 as the OpenFeature server provider sends them — against a
// floor: a bare node:http server that only reads and parses the same bodies; (2) computing an
// experiment's results over 1 million events stored in SQLite (the store's aggregate query + the
// statistics) against a peer that computes the same sums in JavaScript from the raw event list.
//
//   npm run build && node bench/experiments.mjs [--seconds 5] [--clients 8] [--events 1000000] [--no-write]
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import * as esbuild from "esbuild";
import { Agent, request } from "undici";
import { machine, percentile, ROOT, startChild, writeResultsSection } from "./lib/proxy-bench.mjs";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "8" },
    events: { type: "string", default: "1000000" },
    "no-write": { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const EVENTS = Number(args.events);
const BATCH = 100;

mkdirSync(join(ROOT, "node_modules", ".cache"), { recursive: true });
const dir = mkdtempSync(join(ROOT, "node_modules", ".cache", "slipway-bench-experiments-"));
writeFileSync(
  join(dir, "slipway.yaml"),
  "project: { name: bench }\nservices:\n  web:\n    path: web\n    start: node app.mjs\n",
);
mkdirSync(join(dir, "web"));
writeFileSync(join(dir, "web", "app.mjs"), "");

// ---- (1) ingestion through the API ---------------------------------------------------------------
const up = startChild(
  process.execPath,
  [join(ROOT, "bin/slipway.js"), "up", "--dir", dir, "--port", "0", "--proxy-port", "0"],
  { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SLIPWAY_LOG_LEVEL: "warn", NO_COLOR: "1" } },
);
process.on("exit", () => {
  up.child.kill("SIGKILL");
  killLeftovers();
});
let out = "";
up.child.stdout.on("data", (chunk) => (out += chunk));
for (let i = 0; i < 600 && !/API\s+http/.test(out); i++) await sleep(50);
const api = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
if (!api) throw new Error(`slipway up did not start: ${out}${up.stderr()}`);
const admin = readFileSync(join(dir, ".slipway", "admin-token"), "utf8").trim();

async function call(method, path, body, token = admin) {
  for (;;) {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (res.status === 429) {
      await sleep(1000 * Number(res.headers.get("retry-after") ?? 1));
      continue;
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}

const split = {
  fractional: [
    ["on", 50],
    ["off", 50],
  ],
};
await call("PUT", "/api/flags/checkout", {
  flag: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off", targeting: split },
  reason: "bench",
});
await call("POST", "/api/experiments", {
  key: "checkout-ab",
  flag: "checkout",
  metrics: [
    { event: "purchase", kind: "conversion" },
    { event: "revenue", kind: "value" },
  ],
  reason: "bench",
});
await call("POST", "/api/experiments/checkout-ab/start", { reason: "bench" });
// Client keys are rate limited per key like any token: one key per simulated app instance.
const KEYS = CLIENTS * 8;
const keys = [];
for (let i = 0; i < KEYS; i++)
  keys.push((await call("POST", "/api/tokens", { name: `app-${i}`, scope: "flags:evaluate" })).token);

/** A batch as a provider sends it: 100 events, about 70 exposures (new users) and 30 conversions. */
let nextUser = 0;
function batch() {
  const events = [];
  const timestamp = new Date().toISOString();
  while (events.length < BATCH) {
    const user = `u${nextUser++}`;
    events.push({
      kind: "exposure",
      flagKey: "checkout",
      variant: nextUser % 2 ? "on" : "off",
      reason: "TARGETING_MATCH",
      targetingKey: user,
      timestamp,
    });
    if (nextUser % 3 === 0)
      events.push({ kind: "conversion", name: "purchase", targetingKey: user, details: {}, timestamp });
    if (nextUser % 6 === 0)
      events.push({
        kind: "conversion",
        name: "revenue",
        targetingKey: user,
        details: { value: 42 },
        timestamp,
      });
  }
  return JSON.stringify({ events: events.slice(0, BATCH) });
}

async function load(url, rotateKeys) {
  const agent = new Agent({ connections: CLIENTS, pipelining: 1 });
  const latencies = [];
  let statusErrors = 0;
  let k = 0;
  const until = Date.now() + SECONDS * 1000;
  const client = async () => {
    while (Date.now() < until) {
      const body = batch();
      const t = process.hrtime.bigint();
      const res = await request(url, {
        method: "POST",
        dispatcher: agent,
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${rotateKeys ? keys[k++ % KEYS] : "x"}`,
        },
        body,
      });
      await res.body.text();
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (res.statusCode !== 202) statusErrors++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const elapsed = (Date.now() - started) / 1000;
  await agent.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    eventsPerSecond: (latencies.length * BATCH) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statusErrors,
  };
}

const floorFile = join(dir, "floor.mjs");
writeFileSync(
  floorFile,
  `import http from "node:http";
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const n = JSON.parse(Buffer.concat(chunks).toString("utf8")).events.length;
    const text = JSON.stringify({ received: n });
    res.writeHead(202, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`,
);
const floor = startChild(process.execPath, [floorFile], { stdio: ["ignore", "pipe", "pipe"] });
let floorOut = "";
floor.child.stdout.on("data", (c) => (floorOut += c));
for (let i = 0; i < 200 && !/\d+/.test(floorOut); i++) await sleep(25);
const floorUrl = `http://127.0.0.1:${floorOut.trim()}/`;

await load(`${api}/api/flags/events`, true); // warm-up (JIT, SQLite pages)
const ingest = await load(`${api}/api/flags/events`, true);
const floorRun = await load(floorUrl, false);
const stored = await call("GET", "/api/experiments/checkout-ab/results");
const storedExposures = stored.metrics[0].variants.reduce((n, v) => n + v.exposures, 0);
await floor.stop();
await up.stop();
// The proxy is detached from `slipway up`: take it down while its state file still says where.
killLeftovers();

// ---- (2) results over 1 million stored events ----------------------------------------------------
const bundle = join(dir, "experiments.mjs");
await esbuild.build({
  stdin: {
    contents: `
      export { openSqliteStore } from "./src/store/sqlite/store.ts";
      export { experimentReport } from "./src/experiments/service.ts";
      export { experimentResults } from "./src/core/experiments/index.ts";`,
    resolveDir: ROOT,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  outfile: bundle,
  logLevel: "error",
});
const lib = await import(bundle);
const store = lib.openSqliteStore(join(dir, "million.db"));
const experiment = {
  key: "million",
  flagKey: "checkout",
  description: "",
  control: "off",
  allocation: { on: 50, off: 50 },
  metrics: [
    { event: "purchase", kind: "conversion", direction: "increase" },
    { event: "revenue", kind: "value", direction: "increase" },
  ],
  status: "running",
  createdAt: new Date().toISOString(),
  createdBy: "bench",
  startedAt: new Date(Date.now() - 86_400_000).toISOString(),
  stoppedAt: null,
  shippedVariant: null,
};
await store.experiments.create(experiment);
// 1 M events: 700 000 exposures (one per user) and 300 000 conversions (purchase + revenue).
const raw = [];
let s = 7;
const random = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const t0 = Date.now() - 86_400_000;
const users = Math.round(EVENTS * 0.7);
for (let i = 0; i < users && raw.length < EVENTS; i++) {
  const variant = i % 2 ? "on" : "off";
  const at = t0 + Math.floor((i / users) * 86_000_000);
  raw.push({ type: "x", experiment: "million", user: `u${i}`, variant, at });
  if (random() < (variant === "on" ? 0.24 : 0.2) && raw.length + 2 <= EVENTS) {
    raw.push({ type: "e", experiment: "million", event: "purchase", user: `u${i}`, value: 1, at: at + 1 });
    raw.push({
      type: "e",
      experiment: "million",
      event: "revenue",
      user: `u${i}`,
      value: 10 + Math.round(random() * 90),
      at: at + 1,
    });
  }
}
const seedStarted = Date.now();
for (let i = 0; i < raw.length; i += 10_000) {
  const slice = raw.slice(i, i + 10_000);
  await store.experiments.recordExposures(slice.filter((e) => e.type === "x"));
  await store.experiments.recordEvents(slice.filter((e) => e.type === "e"));
}
const seedSeconds = (Date.now() - seedStarted) / 1000;
const deps = {
  store: store.experiments,
  flags: { get: () => undefined, put: async () => undefined },
  now: () => Date.now(),
};

function timeIt(fn, runs = 5) {
  return (async () => {
    const times = [];
    let result;
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      result = await fn();
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(runs / 2)], result };
  })();
}
const viaStore = await timeIt(() => lib.experimentReport(deps, "million"));
// The peer: the same sums from the raw events in memory (a Map of each user's variant and totals).
const viaMemory = await timeIt(() => {
  const variantOf = new Map();
  const totals = new Map();
  for (const e of raw) {
    if (e.type === "x") {
      if (!variantOf.has(e.user)) variantOf.set(e.user, e.variant);
    } else if (e.event === "purchase" && variantOf.has(e.user)) totals.set(e.user, 1);
  }
  const arms = { on: { n: 0, sum: 0, sumOfSquares: 0 }, off: { n: 0, sum: 0, sumOfSquares: 0 } };
  for (const [user, variant] of variantOf) {
    const arm = arms[variant];
    arm.n++;
    const c = totals.get(user) ?? 0;
    arm.sum += c;
    arm.sumOfSquares += c;
  }
  return lib.experimentResults({
    control: "off",
    variants: [
      { variant: "on", weight: 50, arm: arms.on },
      { variant: "off", weight: 50, arm: arms.off },
    ],
  });
});
const fromStore = viaStore.result.metrics[0].variants;
const fromMemory = viaMemory.result.variants;
if (
  fromStore[0].exposures !== fromMemory[0].exposures ||
  Math.abs(fromStore[0].value - fromMemory[0].value) > 1e-12
) {
  throw new Error(
    `the two computations disagree: ${JSON.stringify(fromStore)} vs ${JSON.stringify(fromMemory)}`,
  );
}
await store.close();

const m = machine();
const ms = (x) => `${x.toFixed(1)} ms`;
const k = (x) => `${Math.round(x).toLocaleString("en")}`;
const markdown = `
## Experiments: event ingestion and results over 1 M events (\`node bench/experiments.mjs\`)

${m.date}; ${m.cpu}, ${m.memory}, ${m.kernel}, Node ${m.node}, load ${m.load} (the machine was shared with
other jobs while measuring: read the figures as orders of magnitude).

**Ingestion** through \`POST /api/flags/events\` of \`slipway up\` (SQLite store) on loopback: ${CLIENTS} clients,
batches of ${BATCH} events (≈ 70 % exposures of new users, 30 % conversions) as the OpenFeature server
provider sends them, for ${SECONDS} s after a warm-up of the same length. The floor is a bare node:http server
that reads and parses the same bodies and answers 202: what HTTP and JSON alone cost.

| receiver | requests | events/s | p50 per batch | p99 per batch | non-202 |
|---|---:|---:|---:|---:|---:|
| Slipway \`POST /api/flags/events\` | ${ingest.requests} | ${k(ingest.eventsPerSecond)} | ${ms(ingest.p50)} | ${ms(ingest.p99)} | ${ingest.statusErrors} |
| floor: node:http, parse only | ${floorRun.requests} | ${k(floorRun.eventsPerSecond)} | ${ms(floorRun.p50)} | ${ms(floorRun.p99)} | ${floorRun.statusErrors} |

The experiment then held ${k(storedExposures)} first exposures.

**Results over ${k(raw.length)} events** (${k(users)} exposed users, the rest purchase and revenue events) stored
in SQLite (seeded through the store port in ${seedSeconds.toFixed(1)} s): median of 5 runs.

| computation | time |
|---|---:|
| \`GET …/results\`'s work: store aggregate (3 sums per variant and metric, SQL) + statistics, 2 metrics + exposure series | ${ms(viaStore.median)} |
| peer: the same sums for 1 metric from the raw events in memory (JavaScript Map), + statistics | ${ms(viaMemory.median)} |

Both computations give the same exposures and rates (checked by the script).
Results are computed on every request, not cached: the SQL scans each exposure once per metric, so
an experiment with hundreds of thousands of users answers in seconds, not milliseconds, on a loaded
machine; ingestion is bounded by one SQLite write transaction per batch.
`;
console.log(markdown);
if (!args["no-write"]) writeResultsSection("experiments", markdown);
rmSync(dir, { recursive: true, force: true });

function killLeftovers() {
  try {
    process.kill(-JSON.parse(readFileSync(join(dir, ".slipway/proxy/proxy.json"), "utf8")).pid, "SIGKILL");
  } catch {
    // gone already
  }
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // exited already
    }
  }
}
