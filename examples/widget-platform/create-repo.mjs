#!/usr/bin/env node
// Creates the widget-platform example, shaped like seed 000 (an e-commerce AI widget platform):
// quality gate, unit tests with JUnit and lcov reports (the release's evidence), a 4-platform widget
// build matrix (esbuild bundles, minified, with a manifest), a 4-service build matrix, and a staging
// job that assembles the artifacts. slipway.yaml gates the widget's `stable` alias on production's
// policy (tests and coverage >= 90 %). Own git history.
//   node examples/widget-platform/create-repo.mjs /tmp/widget-platform
// Needs the npm registry once, to write package-lock.json (esbuild).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const target = resolve(process.argv[2] ?? "widget-platform");
if (existsSync(target) && readdirSync(target).length > 0) {
  console.error(`create-repo: ${target} exists and is not empty`);
  process.exit(2);
}

const PLATFORMS = ["shopify", "magento", "woocommerce", "html"];
const SERVICES = ["auth-service", "ai-service", "recommendation-service", "face-service"];
const ESBUILD_VERSION = "0.28.2";

const files = {};
const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

files["package.json"] = json({
  name: "widget-platform",
  version: "1.4.0",
  private: true,
  type: "module",
  scripts: {
    lint: "node scripts/lint.mjs widgets apps scripts deploy test",
    "test:unit": "node --test test/unit/",
    // JUnit and lcov for the release's evidence (docs/releases.md#evidence); node's own reporters.
    "test:report":
      "mkdir -p reports && node --test --experimental-test-coverage" +
      " --test-reporter=spec --test-reporter-destination=stdout" +
      " --test-reporter=junit --test-reporter-destination=reports/junit.xml" +
      " --test-reporter=lcov --test-reporter-destination=reports/lcov.info test/unit/*.test.js",
    ...Object.fromEntries(PLATFORMS.map((p) => [`build:widget:${p}`, `node scripts/build-widget.mjs ${p}`])),
    ...Object.fromEntries(
      PLATFORMS.map((p) => [`test:widget:${p}`, `PLATFORM=${p} node --test test/widget/`]),
    ),
    "build:widgets:all": PLATFORMS.map((p) => `npm run build:widget:${p}`).join(" && "),
    // The CDN release (docs/assets.md): an immutable versioned bundle, then the `stable` alias.
    "cdn:publish": "slipway assets publish dist/widgets --name widget --version $npm_package_version",
    "cdn:stable": "slipway assets alias widget stable $npm_package_version --reason release",
    "cdn:rollback": "slipway assets rollback widget stable --reason rollback",
  },
  devDependencies: { esbuild: ESBUILD_VERSION },
  engines: { node: ">=20" },
});
files[".gitignore"] = "node_modules/\ndist/\nreports/\n.slipway/\n";
files[".nvmrc"] = "20\n";
files["README.md"] = `# widget-platform

Virtual try-on recommendation widgets for four e-commerce platforms (Shopify, Magento,
WooCommerce, plain HTML) and four backend services. The CI/CD workflow
(\`.github/workflows/ci-cd.yml\`) runs a quality gate, builds and tests each widget (esbuild,
minified, with a manifest) and each service in parallel matrices, passes them as artifacts to a
staging job that assembles the release, and promotes \`release/*\` branches to production.

    npm ci && npm run test:unit && npm run build:widgets:all
    slipway run --event push           # the whole pipeline on this host

The widgets go to the CDN as one versioned bundle served by Slipway's data plane under
\`/assets/widget/<version>/\` (immutable) and \`/assets/widget/stable/\` (the alias, 60 s):

    npm run cdn:publish                # dist/widgets as widget <package.json version>, SRI manifest on stdout
    npm run cdn:stable                 # move the stable alias to it (audited)
    npm run cdn:rollback               # back to the previous stable, in one step

Moving \`stable\` is a production release (slipway.yaml \`assets.widget.aliases\`): the version's
evidence must pass production's policy (tests attested and passed, line coverage >= 90 %). The
\`unit-tests\` job writes JUnit and lcov reports and uploads them as the \`test-reports\` artifact;
attach them to the version the run built, then move the alias:

    slipway up                                         # the control plane (another terminal)
    slipway run --event push --json                    # note the run id
    slipway evidence add --artifact test-reports --run RUN --job unit-tests --service widget --version 1.4.0
    npm run cdn:publish && npm run cdn:stable          # refused below 90 % coverage, naming the report
`;

files["slipway.yaml"] = `project:
  name: widget-platform
services:
  recommendation-service:
    path: apps/recommendation-service
    start: node src/server.js
environments:
  staging:
    services:
      recommendation-service:
        routes: [{ hosts: [staging.widget-platform.localhost] }]
  production:
    policy:
      require: [tests, coverage]
      minCoverage: 90
# The widget bundle's aliases: a move of stable is gated like a deploy to production (its policy,
# on the evidence attached to the version moved to, under the name widget); beta like staging.
assets:
  widget:
    aliases:
      stable: production
      beta: staging
`;

// --- widgets ---
files["widgets/core/recommend.js"] =
  `/** Frame styles that suit each face shape, best first (the optician's rule of contrast). */
export const SUITS = {
  round: ["rectangle", "square", "wayfarer"],
  square: ["round", "oval", "aviator"],
  oval: ["wayfarer", "aviator", "round", "square"],
  heart: ["aviator", "oval", "cat-eye"],
};

/** Classifies a face from its width/length ratio and jaw/forehead ratio. */
export function faceShape({ width, length, jaw, forehead }) {
  if (!(width > 0 && length > 0 && jaw > 0 && forehead > 0)) throw new Error("measurements must be positive");
  const ratio = width / length;
  if (jaw / forehead < 0.8) return "heart";
  if (ratio > 0.9) return jaw / forehead > 0.98 ? "square" : "round";
  return "oval";
}

/** Frames of the catalogue ranked for a face shape; unsuitable styles are left out. */
export function recommend(shape, frames, limit = 3) {
  const order = SUITS[shape];
  if (!order) throw new Error(\`unknown face shape \${shape}\`);
  return frames
    .filter((f) => order.includes(f.style))
    .sort((a, b) => order.indexOf(a.style) - order.indexOf(b.style) || a.price - b.price)
    .slice(0, limit);
}
`;
files["widgets/core/render.js"] =
  `const escape = (s) => String(s).replace(/[&<>"']/g, (c) => \`&#\${c.charCodeAt(0)};\`);

/** The widget's markup: one card per frame, tagged with the platform for its stylesheet. */
export function render(platform, frames, currency = "USD") {
  const cards = frames
    .map((f) => \`<li class="varai-card" data-sku="\${escape(f.sku)}">\${escape(f.name)} <span>\${escape(currency)} \${f.price.toFixed(2)}</span></li>\`)
    .join("");
  return \`<ul class="varai-widget varai-\${platform}">\${cards}</ul>\`;
}
`;
files["widgets/core/widget.js"] = `import { faceShape, recommend } from "./recommend.js";
import { render } from "./render.js";

/** Wires a platform adapter (how to read the catalogue and where to mount) to the core. */
export function createWidget(adapter) {
  return {
    platform: adapter.platform,
    version: __VERSION__,
    recommendFor(measurements, frames) {
      return recommend(faceShape(measurements), frames);
    },
    html(measurements, frames) {
      return render(adapter.platform, this.recommendFor(measurements, frames), adapter.currency());
    },
    mount(doc, measurements) {
      const host = doc.querySelector(adapter.selector);
      if (!host) return false;
      host.innerHTML = this.html(measurements, adapter.catalogue(doc));
      return true;
    },
  };
}
`;
const ADAPTERS = {
  shopify: {
    selector: "#shopify-section-product-recommendations",
    currency: `doc.Shopify?.currency?.active ?? "USD"`,
    catalogue: `doc.ShopifyAnalytics?.meta?.products ?? []`,
  },
  magento: {
    selector: ".product-info-main .varai",
    currency: `doc.checkoutConfig?.quoteData?.base_currency_code ?? "EUR"`,
    catalogue: `doc.magentoProducts ?? []`,
  },
  woocommerce: {
    selector: ".woocommerce div.product .varai",
    currency: `doc.wc_params?.currency ?? "USD"`,
    catalogue: `doc.wcProducts ?? []`,
  },
  html: {
    selector: "[data-varai]",
    currency: `doc.varaiCurrency ?? "USD"`,
    catalogue: `doc.varaiFrames ?? []`,
  },
};
for (const [platform, a] of Object.entries(ADAPTERS)) {
  files[`widgets/platforms/${platform}.js`] = `import { createWidget } from "../core/widget.js";

let doc = globalThis;
globalThis.VaraiWidget = createWidget({
  platform: "${platform}",
  selector: ${JSON.stringify(a.selector)},
  currency: () => ${a.currency.replaceAll("doc.", "doc.")},
  catalogue: (d) => { doc = d; return ${a.catalogue.replaceAll("doc.", "d.")}; },
});
`;
}

// --- services ---
const SERVICE_CODE = {
  "auth-service": {
    code: `import { createHmac, timingSafeEqual } from "node:crypto";

/** Issues "user.expiry.signature" tokens and verifies them (no dependencies, HMAC-SHA256). */
export function issue(secret, user, now, ttlSeconds = 3600) {
  const body = \`\${user}.\${now + ttlSeconds}\`;
  return \`\${body}.\${createHmac("sha256", secret).update(body).digest("hex")}\`;
}

export function verify(secret, token, now) {
  const [user, expiry, signature] = token.split(".");
  if (!user || !expiry || !signature) return { ok: false, reason: "malformed" };
  const expected = createHmac("sha256", secret).update(\`\${user}.\${expiry}\`).digest();
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad signature" };
  if (Number(expiry) < now) return { ok: false, reason: "expired" };
  return { ok: true, user };
}`,
    test: `const token = issue("s3cret", "ada", 1000);
  assert.deepEqual(verify("s3cret", token, 1001), { ok: true, user: "ada" });
  assert.deepEqual(verify("other", token, 1001), { ok: false, reason: "bad signature" });
  assert.deepEqual(verify("s3cret", token, 99999), { ok: false, reason: "expired" });
  assert.deepEqual(verify("s3cret", "junk", 0), { ok: false, reason: "malformed" });`,
    imports: "issue, verify",
  },
  "ai-service": {
    code: `import { faceShape } from "../../../widgets/core/recommend.js";

/** Face shape from landmark distances (millimetres), with the model's confidence. */
export function classify(landmarks) {
  const shape = faceShape(landmarks);
  const ratio = landmarks.width / landmarks.length;
  return { shape, confidence: Number(Math.min(0.99, 0.6 + Math.abs(ratio - 0.9)).toFixed(2)) };
}`,
    test: `assert.equal(classify({ width: 140, length: 150, jaw: 120, forehead: 125 }).shape, "round");
  assert.equal(classify({ width: 120, length: 180, jaw: 110, forehead: 120 }).shape, "oval");
  assert.throws(() => classify({ width: 0, length: 1, jaw: 1, forehead: 1 }), /positive/);`,
    imports: "classify",
  },
  "recommendation-service": {
    code: `import { recommend } from "../../../widgets/core/recommend.js";

/** Recommendations for a shopper, excluding frames out of stock. */
export function forShopper(shape, catalogue) {
  return recommend(shape, catalogue.filter((f) => f.stock > 0)).map((f) => f.sku);
}`,
    test: `const catalogue = [
    { sku: "A", style: "round", price: 90, stock: 1 },
    { sku: "B", style: "aviator", price: 80, stock: 0 },
    { sku: "C", style: "oval", price: 70, stock: 5 },
  ];
  assert.deepEqual(forShopper("square", catalogue), ["A", "C"]);
  assert.throws(() => forShopper("triangle", catalogue), /unknown face shape/);`,
    imports: "forShopper",
  },
  "face-service": {
    code: `/** Pupillary distance (mm) from two pupil positions in pixels and a reference card's pixel width. */
export function pupillaryDistance(left, right, cardPixels, cardMillimetres = 85.6) {
  if (cardPixels <= 0) throw new Error("the reference card was not detected");
  const pixels = Math.hypot(right.x - left.x, right.y - left.y);
  return Math.round((pixels * cardMillimetres) / cardPixels * 10) / 10;
}`,
    test: `assert.equal(pupillaryDistance({ x: 100, y: 200 }, { x: 420, y: 200 }, 428), 64);
  assert.throws(() => pupillaryDistance({ x: 0, y: 0 }, { x: 1, y: 0 }, 0), /card was not detected/);`,
    imports: "pupillaryDistance",
  },
};
files["apps/recommendation-service/src/server.js"] = `import { createServer } from "node:http";
import { forShopper } from "./app.js";

/** The widget's backend: GET /recommend?shape=round answers the SKUs to show, best first. */
const CATALOGUE = [
  { sku: "W1", style: "wayfarer", price: 99, stock: 3 },
  { sku: "A1", style: "aviator", price: 150, stock: 1 },
];
createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/health") return res.end("ok");
  try {
    const body = JSON.stringify(forShopper(url.searchParams.get("shape") ?? "", CATALOGUE));
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  } catch (error) {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: error.message }));
  }
}).listen(Number(process.env.PORT ?? 8080));
`;
for (const [service, s] of Object.entries(SERVICE_CODE)) {
  files[`apps/${service}/package.json`] = json({
    name: service,
    version: "1.4.0",
    type: "module",
    main: "src/app.js",
  });
  files[`apps/${service}/src/app.js`] = `${s.code}\n`;
  files[`apps/${service}/test/app.test.js`] = `import assert from "node:assert/strict";
import { test } from "node:test";
import { ${s.imports} } from "../src/app.js";

test("${service}", () => {
  ${s.test}
});
`;
}

// --- tests of the widget core and of each built bundle ---
files["test/unit/recommend.test.js"] = `import assert from "node:assert/strict";
import { test } from "node:test";
import { faceShape, recommend } from "../../widgets/core/recommend.js";

const frames = [
  { sku: "R1", name: "Round One", style: "round", price: 120 },
  { sku: "W1", name: "Wayfarer", style: "wayfarer", price: 99 },
  { sku: "A1", name: "Aviator <Gold>", style: "aviator", price: 150 },
  { sku: "R2", name: "Round Two", style: "round", price: 80 },
];

test("classifies face shapes", () => {
  assert.equal(faceShape({ width: 140, length: 150, jaw: 120, forehead: 125 }), "round");
  assert.equal(faceShape({ width: 140, length: 150, jaw: 125, forehead: 125 }), "square");
  assert.equal(faceShape({ width: 120, length: 180, jaw: 90, forehead: 125 }), "heart");
});

test("ranks suitable frames by style then price", () => {
  assert.deepEqual(recommend("square", frames).map((f) => f.sku), ["R2", "R1", "A1"]);
  assert.deepEqual(recommend("round", frames).map((f) => f.sku), ["W1"]);
});
`;
// The widget's rendering (render.js, html(), mount()) has no test yet: its coverage is below
// production's 90 %, so the first release of `stable` is refused (see the README).
files["test/unit/widget.test.js"] = `import assert from "node:assert/strict";
import { test } from "node:test";

// The bundler defines __VERSION__; here the core runs unbundled.
globalThis.__VERSION__ = "test";
const { createWidget } = await import("../../widgets/core/widget.js");

const adapter = { platform: "html", selector: "[data-varai]", currency: () => "EUR", catalogue: (d) => d.frames };
const frames = [
  { sku: "W1", name: "Wayfarer <Gold>", style: "wayfarer", price: 99 },
  { sku: "A1", name: "Aviator", style: "aviator", price: 150 },
];
const round = { width: 140, length: 150, jaw: 120, forehead: 125 };

test("recommends frames for the measured face", () => {
  const widget = createWidget(adapter);
  assert.equal(widget.version, "test");
  assert.deepEqual(widget.recommendFor(round, frames).map((f) => f.sku), ["W1"]);
});
`;
files["test/widget/bundle.test.js"] =
  `// Tests a built widget bundle (npm run build:widget:<platform> first): its manifest, its size
// budget, and that it runs in a page and mounts its recommendations.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const platform = process.env.PLATFORM;
const dir = new URL(\`../../dist/widgets/\${platform}/\`, import.meta.url);
const BUDGET_BYTES = 8 * 1024;

test(\`\${platform}: manifest matches the bundle, within budget\`, () => {
  const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
  const bundle = readFileSync(new URL(manifest.file, dir));
  assert.equal(manifest.platform, platform);
  assert.equal(manifest.bytes, bundle.length);
  assert.equal(manifest.sha256, createHash("sha256").update(bundle).digest("hex"));
  assert.ok(bundle.length < BUDGET_BYTES, \`\${bundle.length} bytes is over the \${BUDGET_BYTES} budget\`);
  assert.ok(!bundle.toString().includes("\\n  "), "the bundle is minified");
});

test(\`\${platform}: mounts recommendations into the page\`, () => {
  const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
  const host = { innerHTML: "" };
  const frames = [{ sku: "W1", name: "Wayfarer", style: "wayfarer", price: 99 }];
  const page = {
    querySelector: () => host,
    ShopifyAnalytics: { meta: { products: frames } },
    magentoProducts: frames,
    wcProducts: frames,
    varaiFrames: frames,
  };
  const context = vm.createContext({});
  vm.runInContext(readFileSync(new URL(manifest.file, dir), "utf8"), context);
  const widget = context.VaraiWidget;
  assert.equal(widget.platform, platform);
  assert.equal(widget.version, manifest.version);
  assert.equal(widget.mount(page, { width: 140, length: 150, jaw: 120, forehead: 125 }), true);
  assert.match(host.innerHTML, new RegExp(\`varai-\${platform}.*data-sku="W1"\`));
});
`;

// --- scripts ---
files["scripts/build-widget.mjs"] =
  `// Bundles one platform's widget with esbuild (IIFE, minified, ES2018 for old storefront themes)
// into dist/widgets/<platform>/varai-<platform>.<hash>.js plus manifest.json for the CDN.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as esbuild from "esbuild";

const platform = process.argv[2];
const root = new URL("..", import.meta.url).pathname;
const version = JSON.parse(readFileSync(\`\${root}package.json\`, "utf8")).version;
const result = await esbuild.build({
  entryPoints: [\`\${root}widgets/platforms/\${platform}.js\`],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2018",
  write: false,
  define: { __VERSION__: JSON.stringify(version) },
  logLevel: "error",
});
const code = result.outputFiles[0].contents;
const sha256 = createHash("sha256").update(code).digest("hex");
const file = \`varai-\${platform}.\${sha256.slice(0, 8)}.js\`;
const out = \`\${root}dist/widgets/\${platform}/\`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(out + file, code);
const manifest = { platform, version, file, bytes: code.length, sha256, commit: process.env.GITHUB_SHA ?? "local" };
writeFileSync(out + "manifest.json", JSON.stringify(manifest, null, 2));
console.log(\`widget \${platform}: \${file} (\${code.length} bytes)\`);
`;
files["scripts/build-service.mjs"] =
  `// Packages one service into dist/services/<service>/ with release.json (checksums of every file).
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const service = process.argv[2];
const root = new URL("..", import.meta.url).pathname;
if (!service || !statSync(join(root, "apps", service), { throwIfNoEntry: false })) {
  console.error(\`build-service: unknown service \${service}\`);
  process.exit(2);
}
const out = join(root, "dist", "services", service);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(root, "apps", service, "src"), join(out, "apps", service, "src"), { recursive: true });
cpSync(join(root, "apps", service, "package.json"), join(out, "apps", service, "package.json"));
cpSync(join(root, "widgets", "core"), join(out, "widgets", "core"), { recursive: true });
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
const files = Object.fromEntries(walk(out).map((f) => [relative(out, f), createHash("sha256").update(readFileSync(f)).digest("hex")]));
writeFileSync(join(out, "release.json"), JSON.stringify({ service, commit: process.env.GITHUB_SHA ?? "local", files }, null, 2));
console.log(\`service \${service}: \${Object.keys(files).length} files\`);
`;
files["scripts/lint.mjs"] =
  `// A small linter: every .js/.mjs file must parse (esbuild's parser, in-process: fast) and contain
// no debug breakpoint, no trailing whitespace and no tab indentation. Exit 1 listing file:line.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { transform } from "esbuild";

// Spelled in two parts so this file does not flag itself.
const BREAKPOINT = new RegExp("\\\\b" + "debug" + "ger\\\\b");
const walk = (path) => {
  if (path.includes("node_modules") || path.includes("dist")) return [];
  if (statSync(path).isDirectory()) return readdirSync(path).flatMap((name) => walk(join(path, name)));
  return /\\.m?js$/.test(path) ? [path] : [];
};
const files = process.argv.slice(2).flatMap(walk);
const problems = [];
for (const file of files) {
  const source = readFileSync(file, "utf8");
  try {
    await transform(source, { loader: "js", format: "esm", logLevel: "silent" });
  } catch (error) {
    for (const e of error.errors ?? []) problems.push(\`\${file}:\${e.location?.line}:\${e.location?.column}: \${e.text}\`);
  }
  source.split("\\n").forEach((line, i) => {
    if (BREAKPOINT.test(line)) problems.push(\`\${file}:\${i + 1}: debug breakpoint left in\`);
    if (/[ \\t]+$/.test(line)) problems.push(\`\${file}:\${i + 1}: trailing whitespace\`);
    if (/^\\t/.test(line)) problems.push(\`\${file}:\${i + 1}: tab indentation\`);
  });
}
for (const problem of problems) console.error(problem);
console.log(\`lint: \${files.length} file(s), \${problems.length} problem(s)\`);
process.exit(problems.length ? 1 : 0);
`;
files["deploy/assemble.mjs"] =
  `// The staging (or production) job: checks every downloaded artifact against its manifest and
// assembles the release — CDN tree of the four widgets, the four services — in dist/<environment>/.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PLATFORMS = ${JSON.stringify(PLATFORMS)};
const SERVICES = ${JSON.stringify(SERVICES)};
const [environment, artifacts] = process.argv.slice(2);
const out = join("dist", environment);
const sha = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
const missing = [];
const index = { environment, commit: process.env.GITHUB_SHA ?? "local", widgets: {}, services: {} };
for (const platform of PLATFORMS) {
  const dir = join(artifacts, \`widget-\${platform}\`);
  if (!existsSync(join(dir, "manifest.json"))) { missing.push(\`widget-\${platform}\`); continue; }
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  if (sha(join(dir, manifest.file)) !== manifest.sha256) throw new Error(\`widget-\${platform}: checksum mismatch\`);
  mkdirSync(join(out, "cdn", "widgets", platform), { recursive: true });
  cpSync(join(dir, manifest.file), join(out, "cdn", "widgets", platform, manifest.file));
  index.widgets[platform] = \`/widgets/\${platform}/\${manifest.file}\`;
}
for (const service of SERVICES) {
  const dir = join(artifacts, \`service-\${service}\`);
  if (!existsSync(join(dir, "release.json"))) { missing.push(\`service-\${service}\`); continue; }
  const release = JSON.parse(readFileSync(join(dir, "release.json"), "utf8"));
  for (const [file, digest] of Object.entries(release.files)) {
    if (sha(join(dir, file)) !== digest) throw new Error(\`service-\${service}/\${file}: checksum mismatch\`);
  }
  cpSync(dir, join(out, "services", service), { recursive: true });
  index.services[service] = Object.keys(release.files).length;
}
if (missing.length) {
  console.error(\`assemble: missing artifacts: \${missing.join(", ")}\`);
  process.exit(1);
}
writeFileSync(join(out, "index.json"), JSON.stringify(index, null, 2));
console.log(\`\${environment}: assembled \${PLATFORMS.length} widgets and \${SERVICES.length} services into \${out}\`);
`;

const install = `      - uses: actions/setup-node@v4
        with:
          node-version: \${{ env.NODE_VERSION }}
          cache: npm
      - name: Cache node_modules
        id: deps
        uses: actions/cache@v4
        with:
          path: node_modules
          key: node-modules-\${{ runner.os }}-\${{ hashFiles('package-lock.json') }}
      - name: Install dependencies
        env:
          CACHE_HIT: \${{ steps.deps.outputs.cache-hit }}
        run: |
          if [ "$CACHE_HIT" = "true" ]; then echo "node_modules restored from the cache"; else npm ci --no-audit --no-fund; fi`;

files[".github/workflows/ci-cd.yml"] =
  `# Seed 000's pipeline: quality gate, unit tests with JUnit and lcov reports (uploaded as the
# test-reports artifact: the release's evidence), widget build matrix (4 platforms), service build
# matrix (4 services), artifacts handed to staging; release/* branches go on to production.
name: CI/CD Pipeline

on:
  push:
    branches: [main, develop, "release/*"]
  pull_request:
    branches: [main, develop]

env:
  NODE_VERSION: "20"

jobs:
  quality-gate:
    name: Quality gate
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
${install}
      - name: Run linting
        run: npm run lint

  unit-tests:
    name: Unit tests
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: \${{ env.NODE_VERSION }}
      - name: Run unit tests with coverage (JUnit and lcov reports)
        run: npm run test:report
      - name: Upload the reports (the release's evidence)
        uses: actions/upload-artifact@v4
        with:
          name: test-reports
          path: reports/

  widget-build:
    name: Widget \${{ matrix.platform }}
    runs-on: ubuntu-latest
    needs: [quality-gate, unit-tests]
    strategy:
      matrix:
        platform: [${PLATFORMS.join(", ")}]
    steps:
      - uses: actions/checkout@v4
${install}
      - name: Build \${{ matrix.platform }} widget
        run: npm run build:widget:\${{ matrix.platform }}
        env:
          NODE_ENV: production
          PLATFORM: \${{ matrix.platform }}
      - name: Test \${{ matrix.platform }} widget
        run: npm run test:widget:\${{ matrix.platform }}
      - name: Upload widget artifacts
        uses: actions/upload-artifact@v4
        with:
          name: widget-\${{ matrix.platform }}
          path: dist/widgets/\${{ matrix.platform }}/
          retention-days: 30

  service-build:
    name: Service \${{ matrix.service }}
    runs-on: ubuntu-latest
    needs: [quality-gate, unit-tests]
    strategy:
      matrix:
        service: [${SERVICES.join(", ")}]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version-file: .nvmrc
      - name: Test \${{ matrix.service }}
        run: node --test
        working-directory: apps/\${{ matrix.service }}
      - name: Build \${{ matrix.service }}
        run: node scripts/build-service.mjs \${{ matrix.service }}
      - uses: actions/upload-artifact@v4
        with:
          name: service-\${{ matrix.service }}
          path: dist/services/\${{ matrix.service }}/

  deploy-staging:
    name: Deploy to staging
    runs-on: ubuntu-latest
    needs: [widget-build, service-build]
    if: github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/heads/release/')
    steps:
      - uses: actions/checkout@v4
      - name: Download widget and service artifacts
        uses: actions/download-artifact@v4
        with:
          path: dist/artifacts/
      - name: Assemble the staging release
        run: node deploy/assemble.mjs staging dist/artifacts

  deploy-production:
    name: Deploy to production
    runs-on: ubuntu-latest
    needs: deploy-staging
    if: startsWith(github.ref, 'refs/heads/release/')
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          path: dist/artifacts/
      - name: Assemble the production release
        run: node deploy/assemble.mjs production dist/artifacts
`;

// --- write, lock, commit ---
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "Widget Platform",
  GIT_AUTHOR_EMAIL: "dev@widget-platform.example",
  GIT_COMMITTER_NAME: "Widget Platform",
  GIT_COMMITTER_EMAIL: "dev@widget-platform.example",
};
const run = (cmd, ...args) =>
  execFileSync(cmd, args, { cwd: target, env, stdio: ["ignore", "pipe", "inherit"] });
const write = (paths) => {
  for (const path of paths) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    writeFileSync(join(target, path), files[path]);
  }
};
mkdirSync(target, { recursive: true });
run("git", "init", "-q", "-b", "main");
const all = Object.keys(files);
write(all.filter((p) => !p.startsWith(".github/") && !p.startsWith("apps/")));
run(
  "npm",
  "install",
  "--package-lock-only",
  "--ignore-scripts",
  "--no-audit",
  "--no-fund",
  "--loglevel=error",
);
run("git", "add", "-A");
run(
  "git",
  "commit",
  "-q",
  "-m",
  "feat(widgets): recommendation widgets for shopify, magento, woocommerce and html",
);
write(all.filter((p) => p.startsWith("apps/")));
run("git", "add", "-A");
run("git", "commit", "-q", "-m", "feat: auth, ai, recommendation and face services");
write(all.filter((p) => p.startsWith(".github/")));
run("git", "add", "-A");
run("git", "commit", "-q", "-m", "ci: quality gate, widget and service matrices, staging assembly");
console.log(`widget-platform created in ${target} (${all.length + 1} files, 3 commits)`);
