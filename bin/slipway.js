#!/usr/bin/env node
// CommonJS (bin/package.json): Node starts it without its ESM loader. The CLI is bundled by
// `npm run build` (scripts/build.mjs) into dist/launch.cjs, which imports dist/cli.js when needed.
try {
  require("../dist/launch.cjs");
} catch (error) {
  if (error && error.code === "MODULE_NOT_FOUND" && String(error.message).includes("dist/launch.cjs")) {
    console.error("slipway: not built yet; run `npm run build` (or `npm install`, which builds) first");
    process.exit(2);
  }
  throw error;
}
