#!/usr/bin/env node
// Prints import cycles between the folders of src/ (src/core/<area> counts as its own folder), so
// a dependency that points back up the layers shows up before it grows. Exit 1 when there is one.
// Usage: node scripts/folder-cycles.mjs [--tests]   (--tests: count *.test.ts imports too)
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "src");
const withTests = process.argv.includes("--tests");

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.tsx?$/.test(entry.name) && (withTests || !/\.test(-support)?\.ts$/.test(entry.name)))
      yield path;
  }
}

const folderOf = (file) => {
  const parts = relative(root, file).split("/");
  if (parts.length === 1) return ".";
  return parts[0] === "core" && parts.length > 2 ? `core/${parts[1]}` : parts[0];
};

/** folder → folder → the first import that makes the edge (for the report). */
const edges = new Map();
const importPattern =
  /(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
for (const file of sources(root)) {
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(importPattern)) {
    const spec = match[1] ?? match[2];
    if (!spec?.startsWith(".")) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root)) continue;
    const from = folderOf(file);
    const to = folderOf(target);
    if (from === to) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(root, file)} → ${spec}`);
  }
}

// Tarjan's strongly connected components: every component of more than one folder is a cycle.
let index = 0;
const indices = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
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
  if (low.get(node) === indices.get(node)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  }
}
for (const node of edges.keys()) if (!indices.has(node)) visit(node);

if (components.length === 0) {
  console.log("no cycles between folders of src/");
  process.exit(0);
}
for (const component of components) {
  console.log(`cycle: {${component.join(", ")}}`);
  const members = new Set(component);
  for (const from of component)
    for (const [to, via] of edges.get(from) ?? [])
      if (members.has(to)) console.log(`  ${from} → ${to}  (${via})`);
}
process.exit(1);
