import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import picomatch from "picomatch";
import { parse as parseYaml } from "yaml";
import { git, isShallow, nulSeparated, revParse } from "../../../affected/git.js";
import type { ActionContext, BuiltinAction } from "../contract.js";
import { stringInput } from "./inputs.js";

export type ChangeStatus = "added" | "modified" | "deleted";
export interface FileChange {
  path: string;
  status: ChangeStatus;
}

/** One glob of a filter, optionally limited to some change types (`added|modified: 'src/**'`). */
export interface FilterRule {
  pattern: string;
  statuses?: ChangeStatus[];
}
export interface Filter {
  name: string;
  rules: FilterRule[];
}

const STATUS_WORDS: Record<string, ChangeStatus | undefined> = {
  added: "added",
  modified: "modified",
  deleted: "deleted",
};

/**
 * The `filters` input: YAML mapping filter name → glob or list of globs (anchors and nested lists
 * flatten), each item optionally `{ added|modified: glob }`. Errors name the filter.
 */
export function parseFilters(text: string): Filter[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new Error(`input filters: not valid YAML (${(error as Error).message})`, { cause: error });
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error("input filters: expected a mapping of filter names to glob lists");
  }
  return Object.entries(doc as Record<string, unknown>).map(([name, value]) => ({
    name,
    rules: toRules(name, value),
  }));
}

function toRules(filter: string, value: unknown): FilterRule[] {
  if (typeof value === "string") return [{ pattern: value }];
  if (Array.isArray(value)) return value.flatMap((item) => toRules(filter, item));
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([types, patterns]) => {
      const statuses = types.split("|").map((word) => {
        const status = STATUS_WORDS[word.trim()];
        if (!status)
          throw new Error(
            `filter ${filter}: unknown change type ${JSON.stringify(word)} (added, modified, deleted)`,
          );
        return status;
      });
      return toRules(filter, patterns).map((rule) => ({ ...rule, statuses }));
    });
  }
  throw new Error(`filter ${filter}: expected a glob or a list of globs, got ${JSON.stringify(value)}`);
}

export type Quantifier = "some" | "every";

/** Files of `changes` each filter matches (any rule for 'some', all rules for 'every'). */
export function applyFilters(
  filters: readonly Filter[],
  changes: readonly FileChange[],
  quantifier: Quantifier = "some",
): Map<string, FileChange[]> {
  const result = new Map<string, FileChange[]>();
  for (const filter of filters) {
    const rules = filter.rules.map((rule) => ({ ...rule, match: picomatch(rule.pattern, { dot: true }) }));
    const ruleMatches = (rule: (typeof rules)[number], change: FileChange): boolean =>
      rule.match(change.path) && (!rule.statuses || rule.statuses.includes(change.status));
    result.set(
      filter.name,
      changes.filter((change) =>
        quantifier === "every"
          ? rules.every((r) => ruleMatches(r, change))
          : rules.some((r) => ruleMatches(r, change)),
      ),
    );
  }
  return result;
}

/** Which commit to compare with, following dorny/paths-filter's rules (see docs/actions.md). */
export async function chooseBase(
  context: ActionContext,
): Promise<{ sha: string; description: string } | { everything: string }> {
  const repo = context.repoRoot;
  const head = context.github.sha;
  const event = context.github.event;
  const mergeBaseWith = async (rev: string): Promise<string | undefined> => {
    const sha = (await revParse(repo, rev)) ?? (await revParse(repo, `origin/${rev}`));
    return sha ? (await git(repo, ["merge-base", sha, head]))?.trim() || undefined : undefined;
  };
  const missing = async (what: string): Promise<{ everything: string }> => ({
    everything: (await isShallow(repo))
      ? `shallow clone: ${what} is not in the history (check out with fetch-depth: 0)`
      : `${what} cannot be found in the repository`,
  });

  if (context.github.eventName === "pull_request" || context.github.eventName === "pull_request_target") {
    const pr = event.pull_request as { base?: { sha?: string; ref?: string } } | undefined;
    const target = context.github.baseSha ?? pr?.base?.sha ?? pr?.base?.ref;
    if (!target) return { everything: "the pull_request event names no base" };
    const base = await mergeBaseWith(target);
    return base
      ? { sha: base, description: `merge base with the pull request's base ${target}` }
      : missing(target);
  }

  const repository = event.repository as { default_branch?: string } | undefined;
  const baseInput = stringInput(context, "base", repository?.default_branch ?? "main");
  if (/^[0-9a-f]{40}$/i.test(baseInput)) {
    return (await revParse(repo, baseInput))
      ? { sha: baseInput, description: `base ${baseInput}` }
      : missing(baseInput);
  }
  const branch = stringInput(context, "ref", context.github.ref).replace(/^refs\/heads\//, "");
  const before = typeof event.before === "string" && !/^0+$/.test(event.before) ? event.before : undefined;
  if (branch === baseInput.replace(/^refs\/heads\//, "")) {
    // A push to the base branch itself: what this push brought.
    const previous = context.github.baseSha ?? before ?? (await revParse(repo, `${head}~1`));
    if (!previous) return missing("the commit before the push");
    return { sha: previous, description: "the commit before the push" };
  }
  const base = await mergeBaseWith(baseInput);
  if (base) return { sha: base, description: `merge base with ${baseInput}` };
  if (context.github.baseSha) return { sha: context.github.baseSha, description: "the run's base revision" };
  return missing(`the base branch ${baseInput}`);
}

const STATUS_LETTERS: Record<string, ChangeStatus> = {
  A: "added",
  M: "modified",
  T: "modified",
  D: "deleted",
};

async function changesBetween(repo: string, base: string, head: string): Promise<FileChange[]> {
  const out = await git(repo, ["diff", "--name-status", "--no-renames", "-z", base, head]);
  if (out === undefined) throw new Error(`git diff ${base} ${head} failed in ${repo}`);
  const parts = out.split("\0").filter((p) => p !== "");
  const changes: FileChange[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    changes.push({
      path: parts[i + 1] ?? "",
      status: STATUS_LETTERS[(parts[i] ?? "M")[0] ?? "M"] ?? "modified",
    });
  }
  return changes;
}

async function allFiles(repo: string, head: string): Promise<FileChange[]> {
  const out = await git(repo, ["ls-tree", "-r", "-z", "--name-only", head]);
  return nulSeparated(out).map((path) => ({ path, status: "added" as const }));
}

type ListFormat = "none" | "csv" | "json" | "shell" | "escape";

function formatFiles(files: string[], format: ListFormat): string {
  switch (format) {
    case "none":
      return "";
    case "csv":
      return files.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(",");
    case "json":
      return JSON.stringify(files);
    case "shell":
      return files.map((f) => `'${f.replace(/'/g, "'\\''")}'`).join(" ");
    case "escape":
      return files.map((f) => f.replace(/([^\w./-])/g, "\\$1")).join(" ");
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}

/** `dorny/paths-filter`, natively: outputs `<filter>` 'true'/'false', `<filter>_count`, `changes`. */
export const pathsFilterAction: BuiltinAction = {
  name: "dorny/paths-filter",
  inputs: {
    filters: {
      description: "YAML mapping of filter names to glob lists, or a path to a YAML file",
      required: true,
    },
    base: {
      description: "Branch or SHA to compare with (push events); default the repository's default branch",
    },
    ref: { description: "The branch being checked; default the run's ref" },
    "list-files": {
      description: "none, csv, json, shell or escape: also output <filter>_files",
      default: "none",
    },
    "predicate-quantifier": {
      description: "some: a file matches any glob; every: it must match all",
      default: "some",
    },
    "working-directory": { description: "Accepted; paths are always relative to the repository root" },
    "initial-fetch-depth": { description: "Accepted; history is local" },
    token: { description: "Accepted; ignored (no API calls)" },
  },
  run: runPathsFilter,
};

async function runPathsFilter(context: ActionContext): Promise<void> {
  const filtersInput = stringInput(context, "filters");
  if (filtersInput === "") throw new Error("input filters is required and was not supplied");
  const asFile = resolve(context.workspace, filtersInput);
  const text =
    !filtersInput.includes("\n") && existsSync(asFile) ? readFileSync(asFile, "utf8") : filtersInput;
  const filters = parseFilters(text);
  const quantifier = stringInput(context, "predicate-quantifier", "some");
  if (quantifier !== "some" && quantifier !== "every") {
    throw new Error(`input predicate-quantifier: expected some or every, got ${JSON.stringify(quantifier)}`);
  }
  const listFormat = stringInput(context, "list-files", "none");
  if (!["none", "csv", "json", "shell", "escape"].includes(listFormat)) {
    throw new Error(
      `input list-files: expected none, csv, json, shell or escape, got ${JSON.stringify(listFormat)}`,
    );
  }

  const base = await chooseBase(context);
  let changes: FileChange[];
  if ("everything" in base) {
    context.warning(`paths-filter: every file counts as changed: ${base.everything}`);
    changes = await allFiles(context.repoRoot, context.github.sha);
  } else {
    changes = await changesBetween(context.repoRoot, base.sha, context.github.sha);
    context.log(`Changes against ${base.description} (${base.sha.slice(0, 12)}): ${changes.length} file(s)`);
  }
  const matched = applyFilters(filters, changes, quantifier);
  const names: string[] = [];
  for (const [name, files] of matched) {
    const hit = files.length > 0;
    if (hit) names.push(name);
    context.log(`Filter ${name} = ${hit}${hit ? ` (${files.length} file(s))` : ""}`);
    context.setOutput(name, String(hit));
    context.setOutput(`${name}_count`, String(files.length));
    if (listFormat !== "none") {
      context.setOutput(
        `${name}_files`,
        formatFiles(
          files.map((f) => f.path),
          listFormat as ListFormat,
        ),
      );
    }
  }
  context.setOutput("changes", JSON.stringify(names));
}
