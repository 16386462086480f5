// Shared by bench/dashboard.mjs and scripts/screenshot.mjs: loads the dashboard tests' world
// (test/web/harness.ts: real proxy process, real control plane serving web/dist, the fixture app,
// headless Chromium) by bundling it with esbuild, since plain Node 20 cannot import TypeScript.
// Dependencies stay external except @actions/* (as in scripts/build.mjs). Needs `npm run build`.
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function loadHarness() {
  if (!existsSync(join(ROOT, "dist/cli.js")) || !existsSync(join(ROOT, "web/dist/index.html"))) {
    throw new Error("run `npm run build` first (the proxy runs dist/cli.js; the server serves web/dist)");
  }
  const outdir = join(ROOT, "node_modules/.cache/slipway-web");
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "harness.mjs");
  await esbuild.build({
    entryPoints: [join(ROOT, "test/web/harness.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "warning",
    // import.meta.dirname of the bundled files must still point into the repository.
    define: { "import.meta.dirname": JSON.stringify(join(ROOT, "test/web")) },
    plugins: [
      {
        name: "external-except-actions",
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith("@actions/") ? undefined : { external: true },
          );
        },
      },
    ],
  });
  return import(pathToFileURL(outfile).href);
}

/** Signs `context` in as `name` through the API (the cookie lands in the context's jar). */
export async function signInContext(context, apiUrl, name, password) {
  const res = await context.request.post(`${apiUrl}/api/session`, { data: { username: name, password } });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
