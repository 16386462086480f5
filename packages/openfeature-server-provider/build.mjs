// Bundles the provider with Slipway's evaluator (src/flags/core, json-logic-engine, semver) so the
// published package carries exactly the evaluator the server runs; the OpenFeature SDK stays a peer.
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: [new URL("src/index.ts", import.meta.url).pathname],
  outfile: new URL("dist/index.js", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  external: ["@openfeature/*"],
});
