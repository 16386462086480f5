import {
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
} from "yaml";
import type { z } from "zod";

/**
 * Maps zod issues back to the YAML nodes they concern, so every problem names file:line:col as an
 * editor shows it. A zod path (["services", "web", "replicas"]) is walked through the document's
 * maps and sequences; when the path ends at a key that is absent (a missing required key) the
 * problem is reported at the mapping that should hold it.
 */
export interface Problem {
  line: number;
  col: number;
  /** "services.web.routes[0].pathPrefix"; "(top level)" for the root. */
  path: string;
  message: string;
}

type Segment = PropertyKey;

interface Found {
  /** The deepest node reached along the path. */
  node: Node | null;
  /** The key node of the pair that led to `node`, if any. */
  keyNode: Node | null;
  /** True when the whole path exists in the document. */
  complete: boolean;
}

export function walk(doc: Document, path: readonly Segment[]): Found {
  let node: Node | null = isNode(doc.contents) ? doc.contents : null;
  let keyNode: Node | null = null;
  for (const segment of path) {
    // Through an alias (`*defaults`) to the anchored node, so problems point at what was written.
    if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? node;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (!pair) return { node, keyNode, complete: false };
      keyNode = isNode(pair.key) ? pair.key : keyNode;
      // `key:` with nothing after it has no value node; report at the key.
      node = isNode(pair.value) ? pair.value : keyNode;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (!isNode(item)) return { node, keyNode, complete: false };
      node = item;
      keyNode = null;
    } else {
      return { node, keyNode, complete: false };
    }
  }
  return { node, keyNode, complete: true };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** The key node of `key` inside the mapping at `path`, for unknown-key problems. */
function keyNodeAt(doc: Document, path: readonly Segment[], key: string): Node | null {
  const { node, complete } = walk(doc, path);
  if (!complete || !isMap(node)) return null;
  const pair = node.items.find((p) => isPair(p) && keyText(p.key) === key);
  return pair && isNode(pair.key) ? pair.key : null;
}

export function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out || "(top level)";
}

function position(node: Node | null, lines: LineCounter): { line: number; col: number } {
  const offset = node?.range?.[0];
  return offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value;
}

/** Type mismatches at the union's own level mean the branch did not apply to this input at all. */
const isTypeMismatch = (issue: z.core.$ZodIssue): boolean =>
  issue.path.length === 0 &&
  (issue.code === "invalid_type" || issue.code === "invalid_value" || issue.code === "invalid_union");

/**
 * Flattens zod issues: an invalid union whose input matched exactly one branch's type reports that
 * branch's own problems (deeper and more precise) instead of "invalid input".
 */
function flatten(issues: readonly z.core.$ZodIssue[], prefix: readonly Segment[] = []): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const matching = issue.errors.filter((branch) => !branch.some(isTypeMismatch));
      if (matching.length === 1) {
        out.push(...flatten(matching[0]!, path));
        continue;
      }
    }
    out.push({ ...issue, path });
  }
  return out;
}

/** One Problem per zod issue (one per key for unknown keys), in document order. */
export function problemsFor(
  issues: readonly z.core.$ZodIssue[],
  doc: Document,
  data: unknown,
  lines: LineCounter,
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of flatten(issues)) {
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      const messages = issue.message.split("\n");
      issue.keys.forEach((key, i) => {
        const node = keyNodeAt(doc, path, key) ?? walk(doc, path).node;
        problems.push({
          ...position(node, lines),
          path: formatPath([...path, key]),
          message: messages[i] ?? `unknown key '${key}'`,
        });
      });
      continue;
    }
    // Issues relayed from other validators (the analysis engine's metrics) arrive as custom issues
    // carrying zod's default texts: give unknown keys their own location.
    const relayedKeys = issue.code === "custom" ? /^Unrecognized keys?: (.*)$/.exec(issue.message) : null;
    if (relayedKeys) {
      for (const [, key = ""] of (relayedKeys[1] ?? "").matchAll(/"([^"]*)"/g)) {
        problems.push({
          ...position(keyNodeAt(doc, path, key) ?? walk(doc, path).node, lines),
          path: formatPath([...path, key]),
          message: `unknown key '${key}'`,
        });
      }
      continue;
    }
    const found = walk(doc, path);
    const value = valueAt(data, path);
    const missing =
      issue.code === "invalid_type" ||
      (issue.code === "custom" && stripZodPrefix(issue.message).startsWith("expected"));
    if (missing && !found.complete && value === undefined && path.length > 0) {
      const parent = path.slice(0, -1);
      const parentFound = walk(doc, parent);
      problems.push({
        ...position(parentFound.keyNode ?? parentFound.node, lines),
        path: formatPath(parent),
        message: `missing required key '${String(path[path.length - 1])}' (${stripZodPrefix(issue.message)})`,
      });
      continue;
    }
    let message = stripZodPrefix(
      issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message,
    );
    const shown = issue.code === "invalid_key" ? path[path.length - 1] : value;
    const scalar = shown === null || typeof shown !== "object";
    if (
      message.startsWith("expected") &&
      !message.includes(", got ") &&
      shown !== undefined &&
      (scalar || issue.code === "invalid_type" || issue.code === "invalid_union")
    ) {
      message += `, got ${describeValue(shown)}`;
    }
    // A bad mapping key (invalid_key) is reported at the key; a bad collection at the key that holds it.
    const node =
      issue.code === "invalid_key" || isMap(found.node) || isSeq(found.node)
        ? (found.keyNode ?? found.node)
        : found.node;
    problems.push({ ...position(node, lines), path: formatPath(path), message });
  }
  // A value can fail two checks with the same message (a pattern and a refinement): say it once.
  const seen = new Set<string>();
  return problems
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .filter((p) => {
      const key = `${p.line}:${p.col}:${p.path}:${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

function stripZodPrefix(message: string): string {
  return message
    .replace(/^Invalid input: /, "")
    .replace(/^(Too small|Too big|Invalid string|Invalid option): /, "")
    .replace(/, received \w+$/, "");
}
