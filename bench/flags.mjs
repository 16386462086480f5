#!/usr/bin/env node
// Flag evaluation speed: Slipway's in-process evaluator against @openfeature/flagd-core (the
// OpenFeature project's JavaScript evaluator, the same one its in-process providers use) on the
// same flag set and the same contexts — a static flag, a targeting rule, a fractional split — and
// OFREP latency (single and bulk) of `slipway flags serve` over loopback.
//
//   npm run build && node bench/flags.mjs [--rounds 7] [--evals 200000] [--requests 3000] [--no-write]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { Agent, request } from "undici";
import { FlagdCore } from "@openfeature/flagd-core";
import { ROOT, machine } from "./lib/proxy-bench.mjs";
import { writeResultsSection } from "./lib/results.mjs";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    evals: { type: "string", default: "200000" },
    requests: { type: "string", default: "3000" },
    "no-write": { type: "boolean", default: false },
  },
});
const rounds = Number(args.rounds);
const evals = Number(args.evals);
const requests = Number(args.requests);

const work = mkdtempSync(join(tmpdir(), "slipway-bench-flags-"));
const entry = join(work, "entry.ts");
writeFileSync(
  entry,
  [
    `export { compileFlagSets } from ${JSON.stringify(join(ROOT, "src/flags/core/compile.ts"))};`,
    `export { evaluateFlag } from ${JSON.stringify(join(ROOT, "src/flags/core/evaluate.ts"))};`,
    `export { toFlagSet } from ${JSON.stringify(join(ROOT, "src/flags/core/schema.ts"))};`,
  ].join("\n"),
);
await build({
  entryPoints: [entry],
  outfile: join(work, "flags.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
const { compileFlagSets, evaluateFlag, toFlagSet } = await import(
  pathToFileURL(join(work, "flags.mjs")).href
);

// The flag set: what a shop's flag file looks like, plus 47 filler flags so the bulk response
// carries 50 flags.
const FILE = {
  metadata: { flagSetId: "shop", version: "12" },
  $evaluators: { isStaff: { ends_with: [{ var: "email" }, "@shop.example"] } },
  flags: {
    "static-banner": { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    "targeted-search": {
      state: "ENABLED",
      variants: { staff: "v3", beta: "v2", stable: "v1" },
      defaultVariant: "stable",
      targeting: {
        if: [
          { $ref: "isStaff" },
          "staff",
          {
            and: [
              { in: [{ var: "country" }, ["NL", "BE", "DE"]] },
              { sem_ver: [{ var: "appVersion" }, ">=", "2.3.0"] },
            ],
          },
          "beta",
          null,
        ],
      },
    },
    "fractional-checkout": {
      state: "ENABLED",
      variants: { a: "a", b: "b", c: "c", d: "d" },
      defaultVariant: "a",
      targeting: {
        fractional: [
          ["a", 25],
          ["b", 25],
          ["c", 25],
          ["d", 25],
        ],
      },
    },
    ...Object.fromEntries(
      Array.from({ length: 47 }, (_, i) => [
        `filler-${i}`,
        i % 3 === 0
          ? { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" }
          : {
              state: "ENABLED",
              variants: { on: true, off: false },
              defaultVariant: "off",
              targeting: { if: [{ "==": [{ var: "country" }, i % 2 ? "NL" : "FR"] }, "on", null] },
            },
      ]),
    ),
  },
};
const CASES = [
  ["static", "static-banner", "boolean", false],
  ["targeting", "targeted-search", "string", "v0"],
  ["fractional", "fractional-checkout", "string", "a"],
];
const contexts = Array.from({ length: 1024 }, (_, i) => ({
  targetingKey: `user-${i * 7919}`,
  email: i % 5 === 0 ? `staff${i}@shop.example` : `customer${i}@mail.example`,
  country: ["NL", "FR", "DE", "US"][i % 4],
  appVersion: ["2.2.9", "2.3.0", "2.4.1", "3.0.0"][i % 4],
}));

const ours = compileFlagSets([toFlagSet(FILE).set]);
const theirs = new FlagdCore();
theirs.setConfigurations(JSON.stringify(FILE));

const evaluators = {
  slipway: (key, type, fallback, context) =>
    evaluateFlag(ours, { key, type, defaultValue: fallback, context }, Date.now),
  "flagd-core": (key, type, fallback, context) => theirs.resolve(type, key, fallback, context),
};

// Both must agree before their speed means anything.
for (const [, key, type, fallback] of CASES) {
  for (const context of contexts.slice(0, 200)) {
    const a = evaluators.slipway(key, type, fallback, context);
    const b = evaluators["flagd-core"](key, type, fallback, context);
    if (a.value !== b.value || a.reason !== b.reason)
      throw new Error(`disagreement on ${key}: ${JSON.stringify([a, b])}`);
  }
}

function nsPerEval(evaluate, key, type, fallback) {
  let sink = 0;
  // CPU time, not wall time: on a shared machine the wall clock mostly measures the scheduler.
  const start = process.cpuUsage();
  for (let i = 0; i < evals; i++)
    if (evaluate(key, type, fallback, contexts[i & 1023]).value !== undefined) sink++;
  const used = process.cpuUsage(start);
  if (sink !== evals) throw new Error("an evaluation had no value");
  return ((used.user + used.system) * 1000) / evals;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (const [name, key, type, fallback] of CASES) {
  for (const evaluate of Object.values(evaluators)) nsPerEval(evaluate, key, type, fallback); // warm-up
  const samples = { slipway: [], "flagd-core": [] };
  // Interleaved rounds, so a burst of load on the machine hits both alike.
  for (let r = 0; r < rounds; r++) {
    for (const [peer, evaluate] of Object.entries(evaluators))
      samples[peer].push(nsPerEval(evaluate, key, type, fallback));
  }
  rows.push({ name, ours: median(samples.slipway), theirs: median(samples["flagd-core"]) });
}

// OFREP over loopback: a real `slipway flags serve` process, one keep-alive connection, requests
// one after another (latency, not throughput).
const flagFile = join(work, "flags.json");
writeFileSync(flagFile, JSON.stringify(FILE));
const server = spawn(
  process.execPath,
  [join(ROOT, "bin/slipway.js"), "flags", "serve", flagFile, "--port", "0"],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const url = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (chunk) => {
    out += chunk;
    const match = /listening on (http:\S+)/.exec(out);
    if (match) resolve(match[1]);
  });
  server.once("exit", (code) => reject(new Error(`flags serve exited ${code}; run \`npm run build\` first`)));
});
const dispatcher = new Agent({ connections: 1, pipelining: 1 });
async function latencies(path, count, body, headers = {}) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const response = await request(`${url}${path}`, {
      method: "POST",
      dispatcher,
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body(i)),
    });
    await response.body.arrayBuffer();
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const contextBody = (i) => ({ context: contexts[i & 1023] });
let etag;
try {
  await latencies("/ofrep/v1/evaluate/flags/targeted-search", 300, contextBody); // warm-up
  const first = await request(`${url}/ofrep/v1/evaluate/flags`, {
    method: "POST",
    dispatcher,
    body: JSON.stringify({ context: contexts[0] }),
  });
  etag = first.headers.etag;
  await first.body.arrayBuffer();
} catch (error) {
  server.kill("SIGTERM");
  throw error;
}
const ofrep = [
  [
    "single, targeting flag",
    await latencies("/ofrep/v1/evaluate/flags/targeted-search", requests, contextBody),
  ],
  [
    "single, fractional flag",
    await latencies("/ofrep/v1/evaluate/flags/fractional-checkout", requests, contextBody),
  ],
  ["bulk, 50 flags", await latencies("/ofrep/v1/evaluate/flags", requests, contextBody)],
  [
    "bulk, 50 flags, If-None-Match → 304",
    await latencies("/ofrep/v1/evaluate/flags", requests, () => ({ context: contexts[0] }), {
      "if-none-match": etag,
    }),
  ],
];
server.kill("SIGTERM");
await dispatcher.close();
rmSync(work, { recursive: true, force: true });

const PUBLISHED_GO = { static: "1.4", targeting: "7–8", fractional: "10–11" };
const m = machine();
const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const lines = [
  "## Flags: evaluation speed and OFREP latency (`node bench/flags.mjs`)",
  "",
  `${m.date} · ${m.cpu}, ${m.memory} · ${m.kernel} · Node ${m.node} · load average ${m.load}`,
  "",
  `In-process evaluation (pure core, no I/O) of one flag set by Slipway and by \`@openfeature/flagd-core\` 4.0.1 on the`,
  `same 1,024 contexts; CPU time of ${evals.toLocaleString("en")} evaluations per round, median of ${rounds} interleaved rounds.`,
  "flagd's published Go figures (its `BenchmarkResolve*` on its own hardware) are given for scale, not measured here.",
  "",
  "| flag | Slipway per eval | Slipway evals/s | flagd-core per eval | flagd-core evals/s | Slipway ÷ flagd-core speed | flagd (Go), published |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmt(r.ours)} | ${Math.round(1e9 / r.ours).toLocaleString("en")} | ${fmt(r.theirs)} | ${Math.round(1e9 / r.theirs).toLocaleString("en")} | ${(r.theirs / r.ours).toFixed(2)}× | ${PUBLISHED_GO[r.name]} µs |`,
  ),
  "",
  `OFREP over loopback against a \`slipway flags serve\` process: ${requests.toLocaleString("en")} requests one after another on one`,
  "keep-alive connection (undici), wall-clock latency per request including the client.",
  "",
  "| request | p50 | p99 |",
  "| --- | ---: | ---: |",
  ...ofrep.map(
    ([name, xs]) => `| ${name} | ${percentile(xs, 50).toFixed(3)} ms | ${percentile(xs, 99).toFixed(3)} ms |`,
  ),
];
const section = lines.join("\n");
console.log(section);
if (!args["no-write"]) writeResultsSection("flags", section);
