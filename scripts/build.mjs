// Bundles the CLI with esbuild. @actions/* is bundled in (those packages import JSON modules
// without import attributes, which Node 20 cannot load), and the pure JavaScript packages of
// BUNDLED below; every other dependency stays external so native modules (better-sqlite3) and
// worker-based ones (pino transports) load as published.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import * as esbuild from "esbuild";

// Pure JavaScript packages bundled in as well: loading them from node_modules costs a command
// one file read, resolution and compile per file (yaml alone is 72 CommonJS files, semver 47;
// `slipway run` loaded both), and commander through Node's ESM-to-CommonJS interop.
const BUNDLED = new Set(["commander", "yaml", "semver", "picomatch", "tinyglobby", "fdir", "cronstrue"]);
const packageName = (path) =>
  path
    .split("/")
    .slice(0, path.startsWith("@") ? 2 : 1)
    .join("/");
const keepExternal = {
  name: "external-except-bundled",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@actions/") || BUNDLED.has(packageName(args.path))
        ? undefined
        : { external: true },
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

// dist/launch.cjs: what bin/slipway.js starts. One CommonJS file, no chunks: `--version`, `--help`
// and `status` are answered without Node's ESM loader or the chunks of dist/cli.js (launch.ts),
// which it imports for every other command line.
await esbuild.build({
  entryPoints: { launch: "src/cli/launch.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    keepExternal,
    {
      name: "full-cli-beside",
      setup(build) {
        build.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: "./cli.js", external: true }));
      },
    },
  ],
});

// dist/commands.json and dist/help.txt: what `slipway --help` lists and prints without loading every
// command or commander (command-table.ts, src/cli/main.ts).
execFileSync(process.execPath, ["dist/cli.js"], {
  env: { ...process.env, SLIPWAY_WRITE_COMMAND_TABLE: "1" },
});

await import("./build-web.mjs");
