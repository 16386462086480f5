#!/usr/bin/env node
// The CLI is bundled by `npm run build` (scripts/build.mjs) into dist/cli.js.
import("../dist/cli.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli.js")) {
    console.error("slipway: not built yet; run `npm run build` (or `npm install`, which builds) first");
    process.exit(2);
  }
  throw error;
});
