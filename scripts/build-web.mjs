// Builds the dashboard (web/) into web/dist with Vite; the server serves that directory.
//   node scripts/build-web.mjs          production build
//   node scripts/build-web.mjs --dev    dev server on :5173, /api proxied to SLIPWAY_URL
// The config lives here rather than in web/vite.config.* so the typed lint and tsc projects stay as
// they are. JSX is compiled for Preact (automatic runtime); no framework plugin is needed.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, createServer } from "vite";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
const config = {
  root,
  configFile: false,
  logLevel: "warn",
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: join(root, "dist"), emptyOutDir: true, target: "es2022", sourcemap: false },
};

if (process.argv.includes("--dev")) {
  const target = process.env.SLIPWAY_URL ?? "http://127.0.0.1:7070";
  const server = await createServer({
    ...config,
    server: { proxy: { "/api": { target, changeOrigin: false } } },
  });
  await server.listen();
  server.printUrls();
} else {
  await build(config);
}
