import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Imports a TypeScript module of this checkout (`entry`, from the root) in plain Node: bundled
 * with esbuild under node_modules/.cache/slipway-bench, so its bare imports resolve from this
 * checkout. As scripts/build.mjs, @actions/* is bundled in (it imports JSON without attributes,
 * which Node 20 cannot load); every other package stays external.
 */
export async function importTs(entry) {
  const { build } = await import("esbuild");
  const dir = join(ROOT, "node_modules/.cache/slipway-bench");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${entry.replace(/[^\w.-]+/g, "_")}.mjs`);
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    plugins: [
      {
        name: "external-except-actions",
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith("@actions/") ? undefined : { external: true }));
        },
      },
    ],
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}
