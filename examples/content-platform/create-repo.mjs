#!/usr/bin/env node
// Creates the content-platform example: a gateway and four services shaped like seed 004
// ("Plasma Engine"), with its own git history, into the directory given as the first argument.
//   node examples/content-platform/create-repo.mjs /tmp/content-platform
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const target = resolve(process.argv[2] ?? "content-platform");
if (existsSync(target) && readdirSync(target).length > 0) {
  console.error(`create-repo: ${target} exists and is not empty`);
  process.exit(2);
}

const SERVICES = {
  gateway: { port: 3000, summary: "GraphQL-style gateway that fans out to the four services" },
  research: { port: 8000, summary: "Research service: ranks sources for a topic" },
  brand: { port: 8001, summary: "Brand service: checks copy against the brand voice" },
  content: { port: 8002, summary: "Content service: drafts articles from an outline" },
  agent: { port: 8003, summary: "Agent service: plans a multi-step content task" },
};
const NAMES = Object.keys(SERVICES);

const files = {};
const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

files["package.json"] = json({
  name: "content-platform",
  private: true,
  type: "module",
  workspaces: ["packages/*", "services/*"],
  scripts: {
    lint: "node scripts/lint.mjs packages services scripts",
    test: "node --test",
  },
  engines: { node: ">=20" },
});
files[".gitignore"] = "node_modules/\ndist/\nreleases/\nreports/\n.slipway/\n";
files["README.md"] = `# content-platform

A gateway and four services (research, brand, content, agent) with a CI/CD workflow that runs
lint, unit tests and a build only for the services a push changed, in parallel, then deploys to
staging on \`main\` and to production on \`v*.*.*\` tags (see \`.github/workflows/ci.yml\`).

    slipway affected                 # which services the last change touched
    slipway run --event push         # the pipeline for the current commit
    npm test                         # every unit test

Production's policy (slipway.yaml) wants each release's test evidence: the \`unit-tests\` job
writes JUnit and lcov reports and uploads them as \`test-reports-<service>\`. Attach them to the
release, then deploy; a release under 90 % line coverage is refused, naming the report:

    slipway evidence add --artifact test-reports-content --run RUN --job unit-tests --service content --version 1.0.1
    slipway deploy content --env production --version 1.0.1
`;

// The gateway answers every host; each service also has its own host name (routes may not collide).
// Production admits a release only with its tests' evidence: a JUnit report without failures and
// lcov line coverage of 90 % or more (the unit-tests job uploads both as test-reports-<service>).
files["slipway.yaml"] = `project:
  name: content-platform
services:
${NAMES.map((name) => `  ${name}:\n    path: services/${name}\n    start: node src/server.js\n    build: node ../../scripts/build.mjs ${name}\n${name === "gateway" ? "" : `    routes: [{ hosts: [${name}.content-platform.localhost] }]\n`}`).join("")}environments:
  production:
    policy:
      require: [tests, coverage]
      minCoverage: 90
`;

files["packages/common/package.json"] = json({
  name: "@plasma/common",
  version: "1.0.0",
  type: "module",
  main: "index.js",
  scripts: { test: "node --test" },
});
files["packages/common/index.js"] = `import { createServer } from "node:http";

/** Sends a JSON body with the right headers. */
export function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** An HTTP server with /health and the service's own routes ({ "GET /path": handler }). */
export function createService(name, routes) {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/health") return sendJson(res, 200, { service: name, status: "ok" });
    const handler = routes[\`\${req.method} \${url.pathname}\`];
    if (!handler) return sendJson(res, 404, { error: \`no route \${req.method} \${url.pathname}\` });
    try {
      return sendJson(res, 200, handler(url.searchParams));
    } catch (error) {
      return sendJson(res, 400, { error: error.message });
    }
  });
}
`;
files["packages/common/test/common.test.js"] = `import assert from "node:assert/strict";
import { test } from "node:test";
import { createService } from "../index.js";

test("serves /health and routes, 404 otherwise, 400 on a handler error", async () => {
  const server = createService("demo", {
    "GET /echo": (q) => ({ said: q.get("word") }),
    "GET /fail": () => {
      throw new Error("bad input");
    },
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = \`http://127.0.0.1:\${server.address().port}\`;
  try {
    assert.deepEqual(await (await fetch(\`\${base}/health\`)).json(), { service: "demo", status: "ok" });
    assert.deepEqual(await (await fetch(\`\${base}/echo?word=hi\`)).json(), { said: "hi" });
    assert.equal((await fetch(\`\${base}/nope\`)).status, 404);
    assert.equal((await fetch(\`\${base}/fail\`)).status, 400);
  } finally {
    server.close();
  }
});
`;

const LOGIC = {
  gateway: {
    code: `const UPSTREAMS = ${JSON.stringify(Object.fromEntries(NAMES.filter((n) => n !== "gateway").map((n) => [n, `http://127.0.0.1:${SERVICES[n].port}`])))};

/** Which upstream a query field is resolved by. */
export function route(field) {
  const service = { sources: "research", voice: "brand", draft: "content", plan: "agent" }[field];
  if (!service) throw new Error(\`unknown field \${field}\`);
  return { field, service, url: UPSTREAMS[service] };
}

export const routes = { "GET /graphql": (q) => (q.get("fields") ?? "").split(",").filter(Boolean).map(route) };`,
    test: `assert.deepEqual(route("draft"), { field: "draft", service: "content", url: "http://127.0.0.1:8002" });
  assert.throws(() => route("nope"), /unknown field nope/);`,
    httpPath: "/graphql?fields=sources,plan",
    httpExpect: `(body) => body.map((r) => r.service).join() === "research,agent"`,
  },
  research: {
    code: `/** Ranks sources by how many topic words they mention, best first. */
export function rank(topic, sources) {
  const words = topic.toLowerCase().split(/\\s+/).filter(Boolean);
  return sources
    .map((s) => ({ source: s, score: words.filter((w) => s.toLowerCase().includes(w)).length }))
    .sort((a, b) => b.score - a.score || a.source.localeCompare(b.source));
}

export const routes = { "GET /rank": (q) => rank(q.get("topic") ?? "", q.getAll("source")) };`,
    test: `assert.deepEqual(rank("solar power", ["wind farms", "solar power plants", "solar news"]).map((r) => r.score), [2, 1, 0]);`,
    httpPath: "/rank?topic=node&source=deno&source=node%20docs",
    httpExpect: `(body) => body[0].source === "node docs"`,
  },
  brand: {
    code: `const BANNED = ["synergy", "leverage", "disrupt"];

/** Words of the copy that break the brand voice. */
export function check(copy) {
  const found = BANNED.filter((w) => copy.toLowerCase().includes(w));
  return { ok: found.length === 0, found };
}

export const routes = { "GET /check": (q) => check(q.get("copy") ?? "") };`,
    test: `assert.deepEqual(check("We leverage synergy"), { ok: false, found: ["synergy", "leverage"] });
  assert.equal(check("Plain words").ok, true);`,
    httpPath: "/check?copy=hello",
    httpExpect: `(body) => body.ok === true`,
  },
  content: {
    code: `/** Turns an outline ("a; b; c") into a titled draft with one paragraph per point. */
export function draft(title, outline) {
  const points = outline.split(";").map((p) => p.trim()).filter(Boolean);
  if (points.length === 0) throw new Error("the outline is empty");
  return { title, paragraphs: points.map((p, i) => \`\${i + 1}. \${p[0].toUpperCase()}\${p.slice(1)}.\`) };
}

export const routes = { "GET /draft": (q) => draft(q.get("title") ?? "Untitled", q.get("outline") ?? "") };`,
    test: `assert.deepEqual(draft("T", "intro; body").paragraphs, ["1. Intro.", "2. Body."]);
  assert.throws(() => draft("T", " ; "), /outline is empty/);`,
    httpPath: "/draft?outline=one",
    httpExpect: `(body) => body.paragraphs[0] === "1. One."`,
  },
  agent: {
    code: `/** Orders tasks so each comes after the tasks it depends on ("b:a" means b needs a). */
export function plan(specs) {
  const needs = new Map(specs.map((s) => { const [task, deps = ""] = s.split(":"); return [task, deps.split("+").filter(Boolean)]; }));
  const done = [];
  const visit = (task, path = []) => {
    if (done.includes(task)) return;
    if (path.includes(task)) throw new Error(\`cycle: \${[...path, task].join(" -> ")}\`);
    for (const dep of needs.get(task) ?? []) visit(dep, [...path, task]);
    done.push(task);
  };
  for (const task of needs.keys()) visit(task);
  return done;
}

export const routes = { "GET /plan": (q) => plan(q.getAll("task")) };`,
    test: `assert.deepEqual(plan(["publish:review", "review:draft", "draft"]), ["draft", "review", "publish"]);
  assert.throws(() => plan(["a:b", "b:a"]), /cycle/);`,
    httpPath: "/plan?task=b:a&task=a",
    httpExpect: `(body) => body.join() === "a,b"`,
  },
};

for (const [name, { port, summary }] of Object.entries(SERVICES)) {
  const logic = LOGIC[name];
  const dir = `services/${name}`;
  files[`${dir}/package.json`] = json({
    name: `@plasma/${name}`,
    version: "1.0.0",
    description: summary,
    type: "module",
    dependencies: { "@plasma/common": "1.0.0" },
    scripts: { start: "node src/server.js", test: "node --test" },
  });
  files[`${dir}/src/logic.js`] = `${logic.code}\n`;
  files[`${dir}/src/server.js`] = `import { createService } from "../../../packages/common/index.js";
import { routes } from "./logic.js";

const port = Number(process.env.PORT ?? ${port});
createService("${name}", routes).listen(port, () => console.log("${name} listening on", port));
`;
  files[`${dir}/test/logic.test.js`] = `import assert from "node:assert/strict";
import { test } from "node:test";
import { createService } from "../../../packages/common/index.js";
import { ${name === "gateway" ? "route" : name === "research" ? "rank" : name === "brand" ? "check" : name === "content" ? "draft" : "plan"}, routes } from "../src/logic.js";

test("${name}: the logic", () => {
  ${logic.test}
});

test("${name}: over HTTP", async () => {
  const server = createService("${name}", routes);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    const res = await fetch(\`http://127.0.0.1:\${server.address().port}${logic.httpPath}\`);
    assert.equal(res.status, 200);
    assert.ok((${logic.httpExpect})(await res.json()));
  } finally {
    server.close();
  }
});
`;
}

files["scripts/lint.mjs"] =
  `// A small linter: every .js/.mjs file must parse (node --check) and contain no debug breakpoint,
// no trailing whitespace and no tab indentation. Exit 1 listing file:line for each problem.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const roots = process.argv.slice(2);
// Spelled in two parts so this file does not flag itself.
const BREAKPOINT = new RegExp("\\\\b" + "debug" + "ger\\\\b");
const problems = [];
const walk = (path) => {
  if (path.includes("node_modules") || path.includes("dist")) return [];
  if (statSync(path).isDirectory()) return readdirSync(path).flatMap((name) => walk(join(path, name)));
  return /\\.m?js$/.test(path) ? [path] : [];
};
const files = roots.flatMap(walk);
for (const file of files) {
  try {
    execFileSync(process.execPath, ["--check", file], { stdio: "pipe" });
  } catch (error) {
    problems.push(\`\${file}: \${String(error.stderr).split("\\n").find((l) => l.includes("Error")) ?? "does not parse"}\`);
  }
  readFileSync(file, "utf8").split("\\n").forEach((line, i) => {
    if (BREAKPOINT.test(line)) problems.push(\`\${file}:\${i + 1}: debug breakpoint left in\`);
    if (/[ \\t]+$/.test(line)) problems.push(\`\${file}:\${i + 1}: trailing whitespace\`);
    if (/^\\t/.test(line)) problems.push(\`\${file}:\${i + 1}: tab indentation\`);
  });
}
for (const problem of problems) console.error(problem);
console.log(\`lint: \${files.length} file(s), \${problems.length} problem(s)\`);
process.exit(problems.length ? 1 : 0);
`;

files["scripts/build.mjs"] =
  `// Builds one service into dist/<service>/: its sources, the shared package, and release.json
// (name, version, commit, sha256 of every file), the unit a deploy ships.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const service = process.argv[2];
const root = new URL("..", import.meta.url).pathname;
const source = join(root, "services", service);
if (!service || !statSync(source, { throwIfNoEntry: false })?.isDirectory()) {
  console.error(\`build: unknown service \${service}\`);
  process.exit(2);
}
const out = join(root, "dist", service);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(source, "src"), join(out, "services", service, "src"), { recursive: true });
cpSync(join(source, "package.json"), join(out, "services", service, "package.json"));
cpSync(join(root, "packages", "common"), join(out, "packages", "common"), { recursive: true, filter: (p) => !p.includes("/test") });
const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const manifest = {
  service,
  version: JSON.parse(readFileSync(join(source, "package.json"), "utf8")).version,
  commit: process.env.GITHUB_SHA ?? "local",
  files: Object.fromEntries(walk(out).map((f) => [relative(out, f), createHash("sha256").update(readFileSync(f)).digest("hex")])),
};
writeFileSync(join(out, "release.json"), JSON.stringify(manifest, null, 2));
console.log(\`build: \${service} -> dist/\${service} (\${Object.keys(manifest.files).length} files)\`);
`;

files["scripts/deploy.mjs"] =
  `// "Deploys" every built service found under <releases dir> to <environment>: verifies each file
// against its release.json, then records the deployment in deployments/<environment>.json.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [environment, releasesDir] = process.argv.slice(2);
if (!environment || !releasesDir || !existsSync(releasesDir)) {
  console.error("usage: deploy.mjs <environment> <releases dir>");
  process.exit(2);
}
const deployed = [];
for (const dir of readdirSync(releasesDir)) {
  const manifestPath = join(releasesDir, dir, "release.json");
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  for (const [file, sha] of Object.entries(manifest.files)) {
    const actual = createHash("sha256").update(readFileSync(join(releasesDir, dir, file))).digest("hex");
    if (actual !== sha) throw new Error(\`\${dir}/\${file}: checksum mismatch, refusing to deploy\`);
  }
  deployed.push({ service: manifest.service, version: manifest.version, commit: manifest.commit });
  console.log(\`\${environment}: deployed \${manifest.service}@\${manifest.version} (\${manifest.commit.slice(0, 12)})\`);
}
if (deployed.length === 0) {
  console.error(\`deploy: no releases found in \${releasesDir}\`);
  process.exit(1);
}
writeFileSync(join(releasesDir, \`deployment-\${environment}.json\`), JSON.stringify({ environment, deployed }, null, 2));
if (process.env.GITHUB_STEP_SUMMARY) {
  writeFileSync(process.env.GITHUB_STEP_SUMMARY, \`### \${environment}\\n\${deployed.map((d) => \`- \${d.service}@\${d.version}\`).join("\\n")}\\n\`, { flag: "a" });
}
`;

const serviceFilters = NAMES.map(
  (name, i) =>
    `            ${name}:\n              - ${i === 0 ? "&common " : "*common"}${i === 0 ? "'packages/common/**'" : ""}\n              - 'services/${name}/**'`,
).join("\n");

files[".github/workflows/ci.yml"] =
  `# Seed 004's pipeline: change detection, then lint / unit tests / build for the changed services
# only, in parallel; staging on main, production on v*.*.* tags (every service is built for a tag).
name: content-platform CI/CD

on:
  push:
    branches: [main]
    tags: ["v*.*.*"]
  pull_request:
    branches: [main]
  workflow_dispatch:

env:
  NODE_VERSION: "20"

jobs:
  changes:
    name: Change detection
    runs-on: ubuntu-latest
    outputs:
      services: \${{ steps.pick.outputs.services }}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: dorny/paths-filter@v3
        id: filter
        with:
          filters: |
${serviceFilters}
      - name: Services to build
        id: pick
        env:
          CHANGED: \${{ steps.filter.outputs.changes }}
        run: |
          if [[ "$GITHUB_REF" == refs/tags/* ]]; then
            services='${JSON.stringify(NAMES)}'
          else
            services="$CHANGED"
          fi
          echo "services=$services" >> "$GITHUB_OUTPUT"
          echo "services to build: $services"

  lint:
    name: Lint \${{ matrix.service }}
    needs: changes
    if: needs.changes.outputs.services != '[]'
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        service: \${{ fromJSON(needs.changes.outputs.services) }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: \${{ env.NODE_VERSION }}
      - run: node scripts/lint.mjs services/\${{ matrix.service }}

  unit-tests:
    name: Unit tests \${{ matrix.service }}
    needs: changes
    if: needs.changes.outputs.services != '[]'
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        service: \${{ fromJSON(needs.changes.outputs.services) }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: \${{ env.NODE_VERSION }}
      # JUnit and lcov for the release's evidence (docs/releases.md#evidence), node's own reporters.
      - name: Unit tests with coverage
        working-directory: services/\${{ matrix.service }}
        run: |
          mkdir -p reports
          node --test --experimental-test-coverage \\
            --test-reporter=spec --test-reporter-destination=stdout \\
            --test-reporter=junit --test-reporter-destination=reports/junit.xml \\
            --test-reporter=lcov --test-reporter-destination=reports/lcov.info test/*.test.js
      - name: Upload the reports
        uses: actions/upload-artifact@v4
        with:
          name: test-reports-\${{ matrix.service }}
          path: services/\${{ matrix.service }}/reports/

  build:
    name: Build \${{ matrix.service }}
    needs: [changes, lint, unit-tests]
    runs-on: ubuntu-latest
    strategy:
      matrix:
        service: \${{ fromJSON(needs.changes.outputs.services) }}
    steps:
      - uses: actions/checkout@v4
      - run: node scripts/build.mjs \${{ matrix.service }}
      - uses: actions/upload-artifact@v4
        with:
          name: release-\${{ matrix.service }}
          path: dist/\${{ matrix.service }}/
          retention-days: 7

  deploy-staging:
    name: Deploy to staging
    needs: build
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          pattern: release-*
          path: releases/
      - run: node scripts/deploy.mjs staging releases

  deploy-production:
    name: Deploy to production
    needs: build
    if: startsWith(github.ref, 'refs/tags/v')
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          pattern: release-*
          path: releases/
      - run: node scripts/deploy.mjs production releases
`;

// --- write and commit, with a small history like a real repository ---
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "Content Platform",
  GIT_AUTHOR_EMAIL: "dev@content-platform.example",
  GIT_COMMITTER_NAME: "Content Platform",
  GIT_COMMITTER_EMAIL: "dev@content-platform.example",
};
const git = (...args) =>
  execFileSync("git", args, { cwd: target, env, stdio: ["ignore", "pipe", "inherit"] });
const write = (paths) => {
  for (const path of paths) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    writeFileSync(join(target, path), files[path]);
  }
};

mkdirSync(target, { recursive: true });
git("init", "-q", "-b", "main");
const all = Object.keys(files);
const first = all.filter((p) => !p.startsWith(".github/") && !p.startsWith("services/agent/"));
write(first);
git("add", "-A");
git("commit", "-q", "-m", "feat: gateway, research, brand and content services");
write(all.filter((p) => p.startsWith("services/agent/")));
git("add", "-A");
git("commit", "-q", "-m", "feat(agent): task planning service");
write(all.filter((p) => p.startsWith(".github/")));
git("add", "-A");
git(
  "commit",
  "-q",
  "-m",
  "ci: change detection, per-service lint/test/build, staging and production deploys",
);
// The latest push touches one service, so the pipeline shows change detection at work.
const contentLogic = "services/content/src/logic.js";
files[contentLogic] = files[contentLogic].replace(
  "return { title, paragraphs",
  "return { title: title.trim(), paragraphs",
);
write([contentLogic]);
git("add", "-A");
git("commit", "-q", "-m", "fix(content): trim the draft's title");
console.log(`content-platform created in ${target} (${all.length} files, 4 commits)`);
