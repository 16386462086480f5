// Calibration of the analysis judges (issue 6): how often they fail a canary that is as good as
// stable (false rollbacks, A/A), and how often they catch real regressions (power), by simulation
// with a seeded generator. Counts, not timings, so a busy machine does not change the figures.
//   node bench/analysis-judges.mjs [--runs 2000] [--write]
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 2000;
const WRITE = args.includes("--write");

// Bundle the pure judges once so this script runs on plain Node.
const dir = mkdtempSync(join(os.tmpdir(), "slipway-bench-analysis-"));
const entry = join(dir, "entry.ts");
writeFileSync(
  entry,
  [
    `export { judgeDistributions } from ${JSON.stringify(join(ROOT, "src/core/analysis/judges/latency-comparison.ts"))};`,
    `export { judgeErrorRates } from ${JSON.stringify(join(ROOT, "src/core/analysis/judges/error-rate-comparison.ts"))};`,
    `export { judgeThreshold } from ${JSON.stringify(join(ROOT, "src/core/analysis/judges/threshold.ts"))};`,
    `export { judgeRatio } from ${JSON.stringify(join(ROOT, "src/core/analysis/judges/ratio.ts"))};`,
    `export { percentile } from ${JSON.stringify(join(ROOT, "src/core/analysis/stats/descriptive.ts"))};`,
  ].join("\n"),
);
await build({
  entryPoints: [entry],
  bundle: true,
  format: "esm",
  platform: "node",
  outfile: join(dir, "judges.mjs"),
  logLevel: "error",
});
const { judgeDistributions, judgeErrorRates, judgeThreshold, judgeRatio, percentile } = await import(
  pathToFileURL(join(dir, "judges.mjs")).href
);
rmSync(dir, { recursive: true, force: true });

// mulberry32: small, seeded, good enough for simulation.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(rand) {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
const lognormal = (rand, median, sigma, n) =>
  Array.from({ length: n }, () => Math.round(median * Math.exp(sigma * normal(rand)) * 10) / 10);
const binomial = (rand, n, p) => {
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
};

const rand = rng(20261125);
const rate = (xs, v) => ((100 * xs.filter((x) => x === v).length) / xs.length).toFixed(1);

// Latency: stable lognormal(median 100 ms, σ 0.3), canary the same times a factor.
const latencyRows = [];
for (const n of [30, 60, 200]) {
  for (const factor of [1.0, 1.05, 1.1, 1.2, 1.5, 2.0]) {
    const stat = [];
    const threshold = [];
    const ratio = [];
    for (let r = 0; r < RUNS; r++) {
      const stable = lognormal(rand, 100, 0.3, n);
      const canary = lognormal(rand, 100 * factor, 0.3, n);
      stat.push(
        judgeDistributions(
          { kind: "values", values: canary },
          { kind: "values", values: stable },
          { metric: "latency", minSamples: 50 },
        ).verdict,
      );
      const p95 = (xs) => ({ value: percentile(xs, 95), n: xs.length, flat: false });
      threshold.push(judgeThreshold(p95(canary), { metric: "p95", max: 5000 }).verdict);
      ratio.push(judgeRatio(p95(canary), p95(stable), { metric: "p95", maxRatio: 2 }).verdict);
    }
    latencyRows.push(
      `| ${n} | ${factor.toFixed(2)}× | ${rate(stat, "fail")} | ${rate(stat, "inconclusive")} | ${rate(threshold, "fail")} | ${rate(ratio, "fail")} |`,
    );
  }
}

// Error rates: stable at 1 % errors, canary at 1 %, 2 %, 5 %, 10 %.
const errorRows = [];
for (const n of [100, 500, 2000]) {
  for (const p of [0.01, 0.02, 0.05, 0.1]) {
    const verdicts = [];
    const tests = new Set();
    for (let r = 0; r < RUNS; r++) {
      const j = judgeErrorRates(
        { total: n, errors: binomial(rand, n, p) },
        { total: n, errors: binomial(rand, n, 0.01) },
      );
      verdicts.push(j.verdict);
      tests.add(j.numbers.test);
    }
    errorRows.push(
      `| ${n} | ${(p * 100).toFixed(0)} % | ${rate(verdicts, "fail")} | ${[...tests].join(", ")} |`,
    );
  }
}

const cpu = os.cpus();
const header = `${new Date().toISOString().replace(/\.\d+Z$/, "Z")} · ${cpu.length} × ${cpu[0]?.model.trim() ?? "cpu"} · Node ${process.version} · ${RUNS} simulated runs per row, seed 20261125`;
const section = [
  "<!-- analysis-judges:start -->",
  "## Analysis: judge calibration (`node bench/analysis-judges.mjs --write`)",
  "",
  header,
  "",
  "Latency: stable ~ lognormal(median 100 ms, σ 0.3), canary the same distribution times the factor, n samples each.",
  "Statistical judge = one-sided Mann–Whitney U, α = 0.01, min effect 1.1× mean, min samples 50 (defaults).",
  "The 1.00× row is the false-rollback rate (A/A). Threshold = p95 > 5 s (seed 001); ratio = p95 > 2× stable (seed 004).",
  "",
  "| n per side | canary latency | statistical fail % | statistical inconclusive % | 5 s threshold fail % | 2× ratio fail % |",
  "| ---: | ---: | ---: | ---: | ---: | ---: |",
  ...latencyRows,
  "",
  "Error rate: stable at 1 % errors; canary at the listed rate; n requests each. Judge = one-sided two-proportion z-test (Fisher exact when an expected count < 5), α = 0.01, min increase 1 point.",
  "",
  "| requests per side | canary error rate | fail % | tests used |",
  "| ---: | ---: | ---: | --- |",
  ...errorRows,
  "<!-- analysis-judges:end -->",
].join("\n");

console.log(section);
if (WRITE) {
  const path = join(ROOT, "bench/RESULTS.md");
  const current = readFileSync(path, "utf8");
  const re = /<!-- analysis-judges:start -->[\s\S]*?<!-- analysis-judges:end -->/;
  writeFileSync(
    path,
    re.test(current) ? current.replace(re, section) : `${current.trimEnd()}\n\n${section}\n`,
  );
}
