/**
 * Flag targeting in words: flagd's JsonLogic (`if` chains, comparisons, `in`, `starts_with`,
 * `ends_with`, `sem_ver`, `fractional`, `$ref`) turned into rules a person can read. Anything not
 * understood is shown as its JSON, never dropped.
 */

/** A flagd flag definition as the API and flag files hold it. */
export interface FlagDefinition {
  state: "ENABLED" | "DISABLED";
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: unknown;
  metadata?: Record<string, string | number | boolean>;
}

export interface FlagView extends FlagDefinition {
  key: string;
  defaultVariant: string | null;
  source: "api" | "file";
  file?: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface FlagChange {
  id: number | string;
  at: string;
  actor: string;
  action: "created" | "updated" | "enabled" | "disabled" | "deleted";
  reason: string;
  before: FlagDefinition | null;
  after: FlagDefinition | null;
}

/** What a rule serves: a variant, a percentage split, nothing (default variant), or something else. */
export type Outcome =
  | { kind: "variant"; variant: string }
  | { kind: "split"; by: string; shares: { variant: string; weight: number; percent: number }[] }
  | { kind: "default" }
  | { kind: "other"; text: string };

/** One line of targeting: `when` is absent for the final "otherwise". */
export interface Rule {
  when?: string;
  serve: Outcome;
}

type Logic = Record<string, unknown>;
const isLogic = (node: unknown): node is Logic =>
  node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 1;
const json = (node: unknown) => JSON.stringify(node) ?? String(node);

const COMPARISONS: Record<string, string> = {
  "==": "=",
  "===": "=",
  "!=": "≠",
  "!==": "≠",
  "<": "<",
  "<=": "≤",
  ">": ">",
  ">=": "≥",
};

/** An expression in words: `email ends with "@shop.example"`, `plan is one of beta, internal`. */
export function describeExpression(node: unknown): string {
  if (typeof node === "string") return `"${node}"`;
  if (node === null || typeof node !== "object") return String(node);
  if (Array.isArray(node)) return node.map(describeExpression).join(", ");
  if (!isLogic(node)) return json(node);
  const [op, raw] = Object.entries(node)[0]!;
  const args = Array.isArray(raw) ? raw : [raw];
  const d = describeExpression;
  switch (op) {
    case "var":
      return String(args[0] ?? "");
    case "$ref":
      return `evaluator "${String(args[0])}"`;
    case "and":
      return args.map((a) => wrap(a)).join(" and ");
    case "or":
      return args.map((a) => wrap(a)).join(" or ");
    case "!":
      return `not ${wrap(args[0])}`;
    case "!!":
      return `${d(args[0])} is set`;
    case "in":
      return Array.isArray(args[1])
        ? `${d(args[0])} is one of ${args[1].map(d).join(", ")}`
        : `${d(args[1])} contains ${d(args[0])}`;
    case "starts_with":
      return `${d(args[0])} starts with ${d(args[1])}`;
    case "ends_with":
      return `${d(args[0])} ends with ${d(args[1])}`;
    case "sem_ver":
      return `version ${d(args[0])} ${String(args[1])} ${String(args[2])}`;
    case "cat":
      return `${args.map(d).join(" + ")}`;
    default:
      if (op in COMPARISONS && args.length === 2) return `${d(args[0])} ${COMPARISONS[op]} ${d(args[1])}`;
      return json(node);
  }
}

function wrap(node: unknown): string {
  const text = describeExpression(node);
  return isLogic(node) && ("and" in node || "or" in node) ? `(${text})` : text;
}

/** A `fractional` split, with its percentages; undefined when the arguments are not a split. */
export function splitOf(args: unknown): Extract<Outcome, { kind: "split" }> | undefined {
  if (!Array.isArray(args) || args.length === 0) return undefined;
  const hasBucketing = !Array.isArray(args[0]);
  const by = hasBucketing ? describeExpression(args[0]) : "targeting key";
  const pairs = (hasBucketing ? args.slice(1) : args) as unknown[];
  const shares: { variant: string; weight: number }[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length === 0) return undefined;
    const weight = pair.length > 1 && typeof pair[1] === "number" ? Math.max(0, Math.trunc(pair[1])) : 1;
    shares.push({ variant: typeof pair[0] === "string" ? pair[0] : describeExpression(pair[0]), weight });
  }
  const total = shares.reduce((sum, s) => sum + s.weight, 0);
  if (total === 0) return undefined;
  return {
    kind: "split",
    by,
    shares: shares.map((s) => ({ ...s, percent: Math.round((s.weight / total) * 1000) / 10 })),
  };
}

function outcomeOf(node: unknown): Outcome {
  if (node === null || node === undefined) return { kind: "default" };
  if (typeof node === "string" || typeof node === "boolean" || typeof node === "number")
    return { kind: "variant", variant: String(node) };
  if (isLogic(node) && "fractional" in node) {
    const split = splitOf(node.fractional);
    if (split) return split;
  }
  return { kind: "other", text: describeExpression(node) };
}

/** The targeting as ordered rules; empty for a static flag (no targeting or `{}`). */
export function rulesOf(targeting: unknown): Rule[] {
  if (targeting === undefined || targeting === null) return [];
  if (typeof targeting === "object" && !Array.isArray(targeting) && Object.keys(targeting).length === 0)
    return [];
  if (isLogic(targeting) && "if" in targeting && Array.isArray(targeting.if)) {
    const args = targeting.if as unknown[];
    const rules: Rule[] = [];
    let i = 0;
    for (; i + 1 < args.length; i += 2)
      rules.push({ when: describeExpression(args[i]), serve: outcomeOf(args[i + 1]) });
    // flagd's `if` chain: an odd argument count ends with the "else"; an even one falls to null.
    const rest = i < args.length ? args[i] : null;
    // a nested `if` as the else continues the chain
    const more = isLogic(rest) && "if" in rest ? rulesOf(rest) : [{ serve: outcomeOf(rest) }];
    return [...rules, ...more];
  }
  return [{ serve: outcomeOf(targeting) }];
}

export function outcomeText(outcome: Outcome): string {
  switch (outcome.kind) {
    case "variant":
      return outcome.variant;
    case "default":
      return "the default variant";
    case "split":
      return `${outcome.shares.map((s) => `${s.variant} ${s.percent}%`).join(" · ")} (by ${outcome.by})`;
    case "other":
      return outcome.text;
  }
}

/** "static: off", "2 rules", "split on 10% · off 90%": the list's one-line summary. */
export function targetingSummary(flag: Pick<FlagDefinition, "targeting" | "defaultVariant">): string {
  const rules = rulesOf(flag.targeting);
  if (rules.length === 0) return `static: ${flag.defaultVariant ?? "caller's default"}`;
  if (rules.length === 1) {
    const only = rules[0]!;
    return only.serve.kind === "split"
      ? `split ${outcomeText(only.serve)}`
      : `serves ${outcomeText(only.serve)}`;
  }
  return `${rules.length} rules`;
}

/** What one change did, in a few words: which parts of the definition differ. */
export function changeSummary(change: Pick<FlagChange, "before" | "after" | "action">): string {
  if (!change.before || !change.after) return change.action === "created" ? "created" : change.action;
  const parts: string[] = [];
  const b = change.before;
  const a = change.after;
  if (b.state !== a.state) parts.push(`state ${b.state} → ${a.state}`);
  if ((b.defaultVariant ?? null) !== (a.defaultVariant ?? null))
    parts.push(`default ${b.defaultVariant ?? "none"} → ${a.defaultVariant ?? "none"}`);
  if (json(b.variants) !== json(a.variants)) parts.push("variants");
  if (json(b.targeting ?? null) !== json(a.targeting ?? null)) parts.push("targeting");
  if (json(b.metadata ?? null) !== json(a.metadata ?? null)) parts.push("metadata");
  return parts.length ? parts.join(", ") : "no change";
}

/** The editable part of a flag, as the edit form's JSON. */
export function definitionOf(flag: FlagView): FlagDefinition {
  return {
    state: flag.state,
    variants: flag.variants,
    defaultVariant: flag.defaultVariant,
    ...(flag.targeting !== undefined && { targeting: flag.targeting }),
    ...(flag.metadata !== undefined && { metadata: flag.metadata }),
  };
}
