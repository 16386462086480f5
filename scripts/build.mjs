// Bundles the CLI with esbuild. Only @actions/* is bundled in: those packages import JSON modules
// without import attributes, which Node 20 cannot load; every other dependency stays external so
// native modules (better-sqlite3) and worker-based ones (pino transports) load as published.
import * as esbuild from "esbuild";

const keepExternal = {
  name: "external-except-actions",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@actions/") ? undefined : { external: true },
    );
  },
};

await esbuild.build({
  // proxy: the data plane alone, a fraction of the CLI's code, so a restarted proxy serves sooner.
  entryPoints: { cli: "src/cli/main.ts", proxy: "src/cli/proxy-main.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  plugins: [keepExternal],
});

await import("./build-web.mjs");
