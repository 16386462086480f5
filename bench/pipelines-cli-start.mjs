// CLI start-up: `slipway --version`, `--help`, `run --help`, `status` (no server: one refused
// connection) against a bare `node -e 0`, same run, through hyperfine. Optionally against another
// build (`--before /path/to/bin/slipway.js`, e.g. the main checkout's single-bundle build).
// CPU time (user + system) is reported beside wall time: on a shared machine it is the steadier one.
// Measured without NODE_EXTRA_CA_CERTS (every Node process that sees it reads the certificate
// bundle at start, which hides a command's own start-up cost in the ratio); when the machine sets
// it, also with it, in columns of their own.
//   node bench/pipelines-cli-start.mjs [--before /path/to/bin/slipway.js] [--runs 10] [--no-build] [--no-write]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, build, machineLine, writeResultsSection } from "./pipelines-lib.mjs";

const args = process.argv.slice(2);
const before = args.includes("--before") ? args[args.indexOf("--before") + 1] : undefined;
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 10;
if (!args.includes("--no-build")) build();

const COMMANDS = [["--version"], ["--help"], ["run", "--help"], ["status"]];
const cwd = mkdtempSync(join(tmpdir(), "slipway-bench-cli-")); // no project, no server: status fails fast
const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...hostEnv } = process.env;
const plainEnv = { ...hostEnv, SLIPWAY_URL: "http://127.0.0.1:9" };
const caEnv = extraCaCerts === undefined ? undefined : { ...plainEnv, NODE_EXTRA_CA_CERTS: extraCaCerts };
const node = process.execPath;

function measure(label, command, env = plainEnv) {
  const out = join(cwd, "h.json");
  execFileSync(
    "hyperfine",
    ["-N", "-i", "-w", "2", "-r", String(runs), "--export-json", out, "-n", label, command],
    { cwd, env, stdio: ["ignore", "ignore", "inherit"] },
  );
  const [result] = JSON.parse(readFileSync(out, "utf8")).results;
  return { label, wall: result.mean * 1000, cpu: (result.user + result.system) * 1000 };
}

const machine = machineLine();
// The floor under `status`: a CommonJS script that makes only the same request with Node's own
// http client (no Slipway code), to the same closed port.
const request = join(cwd, "request.cjs");
writeFileSync(
  request,
  `require("node:http").request(process.env.SLIPWAY_URL + "/api/status").on("error", () => {}).end();\n`,
);
const baseline = measure("node -e 0", `${node} -e 0`);
const floor = measure("http request", `${node} ${request}`);
const caFloor = caEnv ? measure("http request (CA)", `${node} ${request}`, caEnv) : undefined;
const caBaseline = caEnv ? measure("node -e 0 (CA)", `${node} -e 0`, caEnv) : undefined;
const rows = [];
for (const command of COMMANDS) {
  const text = command.join(" ");
  const after = measure(`slipway ${text}`, `${node} ${CLI} ${text}`);
  const withCa = caEnv ? measure(`slipway ${text} (CA)`, `${node} ${CLI} ${text}`, caEnv) : undefined;
  const old = before ? measure(`before: slipway ${text}`, `${node} ${before} ${text}`) : undefined;
  rows.push({ text, after, withCa, old });
}
rmSync(cwd, { recursive: true, force: true });

const f = (ms) => `${Math.round(ms)} ms`;
const x = (ms, base) => `${(ms / base).toFixed(2)}x`;
const lines = [
  "## Pipelines: CLI start-up (`node bench/pipelines-cli-start.mjs`)",
  "",
  `${machine} · hyperfine ${execFileSync("hyperfine", ["--version"], { encoding: "utf8" }).trim().split(" ")[1]} · ${runs} runs each, 2 warm-ups`,
  "",
  `Peer: a bare \`node -e 0\`, same run. CPU is user + system time (the machine was shared: wall time swings with the load, CPU time much less). \`status\` runs with no server (\`SLIPWAY_URL\` on a closed port), so it measures start-up plus one refused connection. Without \`NODE_EXTRA_CA_CERTS\`${caBaseline ? " (this machine sets it: every Node process that sees it, the peer too, reads the certificate bundle at start, which makes a command's own start-up look smaller beside it; the columns with it show that)" : ""}.`,
  "",
  `| command | wall | CPU | CPU / node -e 0 |${caBaseline ? " with NODE_EXTRA_CA_CERTS: wall | CPU | CPU / node -e 0 |" : ""}${before ? " before: wall | before: CPU | before: CPU / node -e 0 |" : ""}`,
  `|---|---|---|---|${caBaseline ? "---|---|---|" : ""}${before ? "---|---|---|" : ""}`,
  `| \`node -e 0\` | ${f(baseline.wall)} | ${f(baseline.cpu)} | 1.00x |${caBaseline ? ` ${f(caBaseline.wall)} | ${f(caBaseline.cpu)} | 1.00x |` : ""}${before ? " | | |" : ""}`,
  `| a script making only \`status\`'s request with Node's \`http\` | ${f(floor.wall)} | ${f(floor.cpu)} | ${x(floor.cpu, baseline.cpu)} |${caBaseline && caFloor ? ` ${f(caFloor.wall)} | ${f(caFloor.cpu)} | ${x(caFloor.cpu, caBaseline.cpu)} |` : ""}${before ? " | | |" : ""}`,
  ...rows.map(
    ({ text, after, withCa, old }) =>
      `| \`slipway ${text}\` | ${f(after.wall)} | ${f(after.cpu)} | **${x(after.cpu, baseline.cpu)}** |${withCa && caBaseline ? ` ${f(withCa.wall)} | ${f(withCa.cpu)} | ${x(withCa.cpu, caBaseline.cpu)} |` : ""}${old ? ` ${f(old.wall)} | ${f(old.cpu)} | ${x(old.cpu, baseline.cpu)} |` : ""}`,
  ),
  "",
  "Target (issue 13): `slipway --help` and `slipway status` ≤ 1.5x a bare `node -e ''` start. `slipway` starts dist/launch.cjs, one CommonJS file that answers `--version`, `--help` (its text rendered at build time, `dist/help.txt`) and `status [--json]` itself, without Node's ESM loader, commander or the chunks of the full CLI; every other command line imports dist/cli.js, where each command is a chunk of its own (esbuild code splitting) imported when it runs (`run` loads the engine and the database driver only when a run starts). The second row is the floor under `status`: Node's own http client, loaded and making the one request, without any Slipway code.",
];
if (args.includes("--no-write")) console.log(lines.join("\n"));
else writeResultsSection("pipelines-cli-start", lines.join("\n"));
