// Writes schema/slipway.schema.json from the zod schema in src/core/config (run after changing it;
// test/config/json-schema.test.ts fails while the committed file is stale). The TypeScript source
// is bundled with esbuild into memory and imported from a data: URL, so no TS loader is needed.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import * as prettier from "prettier";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "schema", "slipway.schema.json");

const result = await esbuild.build({
  entryPoints: [join(root, "src/core/config/json-schema.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  write: false,
  logLevel: "warning",
});
const code = result.outputFiles[0].text;
const { projectJsonSchema } = await import(
  `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`
);

mkdirSync(dirname(out), { recursive: true });
// Formatted as `prettier --check` expects, so the generated file never fails format:check.
const options = (await prettier.resolveConfig(out)) ?? {};
writeFileSync(out, await prettier.format(JSON.stringify(projectJsonSchema()), { ...options, filepath: out }));
console.log(`wrote ${out}`);
