// Helpers shared by the pipelines benchmarks (bench/pipelines-*.mjs).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export { writeResultsSection } from "./lib/results.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI = join(ROOT, "bin", "slipway.js");

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};

export const git = (dir, ...args) =>
  execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" }).trim();

export function writeTree(root, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

export function build() {
  execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
}

/** Runs a command to completion; resolves with its wall time in ms (rejects on a non-zero exit). */
export function timed(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0)
        reject(
          new Error(`${cmd} ${args.join(" ")} exited ${code}\n${err.slice(-2000)}\n${out.slice(-1000)}`),
        );
      else resolve({ ms, out, err });
    });
  });
}

/**
 * Like timed(), through GNU time: also the CPU time (user + system) of the command and every
 * process it waited for. On a shared, loaded machine CPU time swings much less than wall time.
 */
export async function timedCpu(cmd, args, options = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), "slipway-bench-time-"));
  try {
    const report = join(dir, "time");
    const result = await timed("/usr/bin/time", ["-f", "%U %S", "-o", report, cmd, ...args], options);
    const [user, system] = readFileSync(report, "utf8").trim().split("\n").at(-1).split(" ").map(Number);
    return { ...result, cpuMs: (user + system) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The files of a generated npm-workspaces monorepo: `count` packages, the first `libs` of them
 * libraries and every other one depending on one library; each has `npm run build` (node build.js).
 */
export function monorepoFiles(count, libs = 10) {
  const name = (i) => `pkg-${String(i).padStart(3, "0")}`;
  const files = {
    "package.json": JSON.stringify(
      { name: "bench-mono", private: true, workspaces: ["packages/*"] },
      null,
      2,
    ),
    ".gitignore": "node_modules/\ndist/\n.turbo/\n.slipway/\n",
  };
  for (let i = 0; i < count; i++) {
    const deps = i < libs ? {} : { [name(i % libs)]: "*" };
    files[`packages/${name(i)}/package.json`] = JSON.stringify(
      {
        name: name(i),
        version: "1.0.0",
        private: true,
        dependencies: deps,
        scripts: { build: "node build.js" },
      },
      null,
      2,
    );
    files[`packages/${name(i)}/src/index.js`] = `export const id = ${i};\n`;
    files[`packages/${name(i)}/build.js`] =
      `import { mkdirSync, readFileSync, writeFileSync } from "node:fs";\nmkdirSync("dist", { recursive: true });\nwriteFileSync("dist/index.js", readFileSync("src/index.js"));\n`;
  }
  return files;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: `${cpus.length} × ${cpus[0]?.model ?? "unknown"}`,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    git: execFileSync("git", ["--version"], { encoding: "utf8" }).trim(),
    load: loadAverage(),
  };
}

/** "12.3 13.2 15.3": the 1, 5 and 15 minute load averages. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");

export function machineLine(m = machine()) {
  return `${m.date} · ${m.cpu} · ${m.memory} · ${m.kernel} · Node ${m.node} · ${m.git} · load average at start ${m.load}`;
}
