#!/usr/bin/env node
// The layers of docs/architecture.md, checked on every import of src/ (run by `npm run lint`):
//   - core is pure: it imports only core and a few pure libraries, never node: modules;
//   - an adapter (store/sqlite, traffic/builtin, runtimes/local, one metric provider) never imports
//     another adapter, and only composition roots pick adapters (notify/channels keeps its small
//     channels beside their port in one folder, so it is not checked as an adapter);
//   - SQLite and PostgreSQL stay inside src/store; CLI helpers stay inside src/cli;
//   - no import cycle between folders (src/core/<area> counts as its own folder).
// Usage: node scripts/check-layers.mjs [--tests]   (--tests: count *.test.ts imports too)
// Exit 1 with every broken rule listed, naming the importing file and the import.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "src");
const withTests = process.argv.includes("--tests");

/** Packages core may use: pure computation, no I/O. */
const CORE_PACKAGES = new Set(["zod", "cron-parser", "semver", "picomatch"]);
/** Adapter folders: each implements a port; they never import one another. */
const ADAPTERS = [
  "store/sqlite",
  "store/postgres",
  "traffic/builtin",
  "runtimes/local",
  ...readdirSync(join(root, "metrics"), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `metrics/${e.name}`),
];
/** Where adapters may be picked: the composition roots and each port's own factory. */
const COMPOSITION_ROOTS = [
  /^cli\//,
  /^server\/serve\.ts$/,
  /^store\/index\.ts$/,
  /^runtimes\/index\.ts$/,
  /^metrics\/index\.ts$/,
];

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (
      /\.tsx?$/.test(entry.name) &&
      (withTests || !/(\.test|-support|\.contract)\.ts$/.test(entry.name))
    )
      yield path;
  }
}

const folderOf = (rel) => {
  const parts = rel.split("/");
  if (parts.length === 1) return ".";
  return parts[0] === "core" && parts.length > 2 ? `core/${parts[1]}` : parts[0];
};
const adapterOf = (rel) => ADAPTERS.find((a) => rel.startsWith(`${a}/`));

const problems = [];
const edges = new Map();
const importPattern =
  /(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
for (const file of sources(root)) {
  const from = relative(root, file);
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(importPattern)) {
    const spec = match[1] ?? match[2];
    if (!spec) continue;
    const why = `${from} imports ${spec}`;
    if (!spec.startsWith(".")) {
      if (from.startsWith("core/") && !CORE_PACKAGES.has(spec)) problems.push(`core is pure: ${why}`);
      if (spec === "better-sqlite3" && !from.startsWith("store/"))
        problems.push(`SQLite stays in src/store: ${why}`);
      if (spec === "pg" && !from.startsWith("store/")) problems.push(`PostgreSQL stays in src/store: ${why}`);
      continue;
    }
    const to = relative(root, resolve(dirname(file), spec));
    if (to.startsWith("..")) continue;
    if (from.startsWith("core/") && !to.startsWith("core/"))
      problems.push(`core imports nothing above it: ${why}`);
    if (to.startsWith("store/sqlite/") && !from.startsWith("store/"))
      problems.push(`SQLite stays in src/store: ${why}`);
    if (to.startsWith("store/postgres/") && !from.startsWith("store/"))
      problems.push(`PostgreSQL stays in src/store: ${why}`);
    if (to.startsWith("cli/") && !from.startsWith("cli/"))
      problems.push(`CLI helpers stay in src/cli: ${why}`);
    const target = adapterOf(to);
    const source = adapterOf(from);
    if (target && source && target !== source) problems.push(`adapters never import each other: ${why}`);
    if (target && !source && !COMPOSITION_ROOTS.some((r) => r.test(from)))
      problems.push(`only composition roots pick adapters (${target}): ${why}`);
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    if (!edges.get(a).has(b)) edges.get(a).set(b, why);
  }
}

// Tarjan's strongly connected components: every component of more than one folder is a cycle.
let index = 0;
const indices = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function visit(node) {
  indices.set(node, index);
  low.set(node, index++);
  stack.push(node);
  onStack.add(node);
  for (const next of edges.get(node)?.keys() ?? []) {
    if (!indices.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node), low.get(next)));
    } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indices.get(next)));
  }
  if (low.get(node) !== indices.get(node)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== node);
  if (component.length < 2) return;
  const inside = new Set(component);
  const links = component.flatMap((f) =>
    [...(edges.get(f) ?? [])].filter(([to]) => inside.has(to)).map(([to, why]) => `${f} → ${to} (${why})`),
  );
  problems.push(`folder cycle {${component.sort().join(", ")}}:\n    ${links.join("\n    ")}`);
}
for (const node of edges.keys()) if (!indices.has(node)) visit(node);

if (problems.length === 0) {
  console.log(`layers hold: ${edges.size} folders, no cycle${withTests ? " (tests included)" : ""}`);
} else {
  console.error(`${problems.length} layer rule(s) broken (docs/architecture.md, "Layers"):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exitCode = 1;
}
