// Bundles the CLI with esbuild. Only @actions/* is bundled in: those packages import JSON modules
// without import attributes, which Node 20 cannot load; every other dependency stays external so
// native modules (better-sqlite3) and worker-based ones (pino transports) load as published.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import * as esbuild from "esbuild";

const keepExternal = {
  name: "external-except-actions",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@actions/") || args.path === "commander" ? undefined : { external: true },
    );
  },
};

// Chunks of earlier builds have other hashes: start from an empty folder.
rmSync("dist", { recursive: true, force: true });
await esbuild.build({
  // proxy: the data plane alone, a fraction of the CLI's code, so a restarted proxy serves sooner.
  entryPoints: { cli: "src/cli/main.ts", proxy: "src/cli/proxy-main.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Each CLI command is a chunk loaded when it runs (src/cli/commands/index.ts): `slipway run`
  // does not parse the server, the proxy or the PostgreSQL adapter.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: true,
  logLevel: "warning",
  // Bundled CommonJS (commander) requires Node's built-ins: give every chunk a real `require`.
  banner: {
    js: 'import { createRequire as __slipwayCreateRequire } from "node:module"; const require = __slipwayCreateRequire(import.meta.url);',
  },
  plugins: [keepExternal],
});

// dist/commands.json and dist/help.txt: what `slipway --help` lists and prints without loading every
// command or commander (command-table.ts, src/cli/main.ts).
execFileSync(process.execPath, ["dist/cli.js"], {
  env: { ...process.env, SLIPWAY_WRITE_COMMAND_TABLE: "1" },
});

await import("./build-web.mjs");
