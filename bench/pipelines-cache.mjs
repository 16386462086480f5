#!/usr/bin/env node
// actions/cache with a 200 MB folder: a cold run (miss, then save in post) and a warm run (exact
// hit, restore), through the same CacheStore the built-in action uses, with zstd (the default when
// installed) and gzip; `cp -r` of the same folder for comparison.
//   node bench/pipelines-cache.mjs [--mb 200] [--rounds 3] [--no-write]
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { machineLine, median, timed, writeResultsSection } from "./pipelines-lib.mjs";

const { values: args } = parseArgs({
  options: {
    mb: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
    "no-write": { type: "boolean", default: false },
  },
});
const MB = Number(args.mb);
const ROUNDS = Number(args.rounds);

// The store is TypeScript: bundle it with esbuild on the fly, as the CLI build does.
const esbuild = await import("esbuild");
const tmp = mkdtempSync(join(os.tmpdir(), "slipway-bench-cache-"));
const bundle = join(tmp, "store.mjs");
await esbuild.build({
  entryPoints: [new URL("../src/pipelines/cache/cache-store.ts", import.meta.url).pathname],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: bundle,
  logLevel: "error",
});
const { CacheStore, cacheVersion } = await import(bundle);

/** A node_modules-like tree: many small files, half text (compressible), half random bytes. */
function makeFolder(root) {
  const fileSize = 50 * 1024;
  const count = Math.round((MB * 1024 * 1024) / fileSize);
  const text = Buffer.from(
    "export function add(a, b) { return a + b; } // lorem ipsum dolor sit amet\n".repeat(800),
  ).subarray(0, fileSize);
  for (let i = 0; i < count; i++) {
    const dir = join(root, "node_modules", `pkg-${Math.floor(i / 40)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file-${i}.js`), i % 2 ? text : randomBytes(fileSize));
  }
  return count;
}

const source = join(tmp, "source");
const files = makeFolder(source);
const results = {};
try {
  for (const compression of ["zstd", "gzip"]) {
    const saves = [];
    const restores = [];
    let size = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const cacheDir = join(tmp, `cache-${compression}-${round}`);
      const store = new CacheStore({ root: cacheDir, maxBytes: 10 * 1024 ** 3 });
      const version = cacheVersion(["node_modules"]);
      let t = process.hrtime.bigint();
      const saved = await store.save(`deps-${round}`, version, source, ["node_modules"], compression);
      saves.push(Number(process.hrtime.bigint() - t) / 1e6);
      size = saved.entry?.sizeBytes ?? 0;
      const target = join(tmp, `restore-${compression}-${round}`);
      mkdirSync(target);
      t = process.hrtime.bigint();
      const restored = await store.restore(`deps-${round}`, [], version, target);
      restores.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (restored.kind !== "exact") throw new Error("expected an exact hit");
      rmSync(target, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
    results[compression] = {
      saveMs: median(saves),
      restoreMs: median(restores),
      archiveMB: size / 1024 / 1024,
    };
  }
  const copies = [];
  for (let round = 0; round < ROUNDS; round++) {
    const target = join(tmp, `copy-${round}`);
    copies.push((await timed("cp", ["-r", source, target])).ms);
    rmSync(target, { recursive: true, force: true });
  }
  results.copyMs = median(copies);
  console.log(results);
  if (!args["no-write"]) {
    const row = (name) =>
      `| ${name} | ${Math.round(results[name].saveMs)} ms | ${Math.round(results[name].restoreMs)} ms | ${results[name].archiveMB.toFixed(0)} MB |`;
    writeResultsSection(
      "pipelines-cache",
      `## Pipelines: \`actions/cache\` with a ${MB} MB folder (\`node bench/pipelines-cache.mjs\`)

${machineLine()}

${files} files of 50 KB under \`node_modules/\` (half JavaScript text, half random bytes), saved and restored through Slipway's cache store (system \`tar\` with the compressor as its filter). Cold = a run that misses and saves the folder after the job; warm = the next run, an exact key hit that restores it into a fresh workspace. Medians of ${ROUNDS} rounds.

| compression | cold: save | warm: restore | archive |
|---|---|---|---|
${row("zstd")}
${row("gzip")}
| \`cp -r\` of the same folder (for comparison) | — | ${Math.round(results.copyMs)} ms | — |

zstd is the default whenever the \`zstd\` command exists (gzip otherwise).`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
