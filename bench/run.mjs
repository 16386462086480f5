#!/usr/bin/env node
// Runs the benchmarks one after another (never in parallel: they measure the same two cores) and
// lets each write its section of bench/RESULTS.md.
//   npm run bench                 every benchmark (about an hour on 2 cores)
//   npm run bench -- proxy rollouts   only those whose file name starts with a given word
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const WRITE_FLAG = { "analysis-judges.mjs": ["--write"] };
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => file.endsWith(".mjs") && file !== "run.mjs" && !file.endsWith("-lib.mjs"))
  .filter((file) => wanted.length === 0 || wanted.some((word) => file.startsWith(word)))
  .sort();

let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n=== bench/${file}\n`);
  const result = spawnSync(process.execPath, [`${here}/${file}`, ...(WRITE_FLAG[file] ?? [])], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
