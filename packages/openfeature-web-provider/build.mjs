// Bundles the web provider for browsers (ES2020 modules); the OpenFeature SDK stays a peer.
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: [new URL("src/index.ts", import.meta.url).pathname],
  outfile: new URL("dist/index.js", import.meta.url).pathname,
  bundle: true,
  platform: "browser",
  target: "es2020",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  external: ["@openfeature/*"],
});
