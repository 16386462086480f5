import { own } from "../own.js";
/** One matrix combination: key → value (values may be any JSON). */
export type MatrixCombination = Record<string, unknown>;

export type MatrixExpansion =
  { ok: true; combinations: MatrixCombination[] } | { ok: false; problem: string };

/** GitHub's limit on combinations per job. */
export const MAX_MATRIX_COMBINATIONS = 256;

/**
 * Expands `strategy.matrix` as GitHub does: the cartesian product of the vectors, minus `exclude`
 * entries (an entry matches a combination when all its keys match), then each `include` entry is
 * merged into every combination where it overwrites none of the original vector values (added
 * values may be overwritten); an entry that merges nowhere becomes a combination of its own.
 */
export function expandMatrix(matrix: unknown): MatrixExpansion {
  if (matrix === undefined || matrix === null) return { ok: true, combinations: [{}] };
  if (typeof matrix !== "object" || Array.isArray(matrix)) {
    return { ok: false, problem: `strategy.matrix must be a mapping, got ${JSON.stringify(matrix)}` };
  }
  const entries = Object.entries(matrix as Record<string, unknown>);
  const vectors: [string, unknown[]][] = [];
  let include: unknown[] = [];
  let exclude: unknown[] = [];
  for (const [key, value] of entries) {
    if (key === "include" || key === "exclude") {
      if (!Array.isArray(value))
        return { ok: false, problem: `strategy.matrix.${key} must be a list of mappings` };
      if (key === "include") include = value;
      else exclude = value;
      continue;
    }
    if (!Array.isArray(value)) {
      return { ok: false, problem: `strategy.matrix.${key} must be a list, got ${JSON.stringify(value)}` };
    }
    if (value.length === 0) return { ok: false, problem: `strategy.matrix.${key} is an empty list` };
    vectors.push([key, value]);
  }

  let combinations: MatrixCombination[] = vectors.length > 0 ? [{}] : [];
  for (const [key, values] of vectors) {
    combinations = combinations.flatMap((combination) =>
      values.map((value) => ({ ...combination, [key]: value })),
    );
  }
  for (const entry of exclude) {
    if (!isMapping(entry)) return { ok: false, problem: "strategy.matrix.exclude entries must be mappings" };
    combinations = combinations.filter((combination) => !partialMatch(combination, entry));
  }
  const originalKeys = new Set(vectors.map(([key]) => key));
  const extra: MatrixCombination[] = [];
  for (const entry of include) {
    if (!isMapping(entry)) return { ok: false, problem: "strategy.matrix.include entries must be mappings" };
    let merged = false;
    for (const combination of combinations) {
      const overwritesOriginal = Object.entries(entry).some(
        ([key, value]) =>
          originalKeys.has(key) && Object.hasOwn(combination, key) && !deepEqual(combination[key], value),
      );
      if (!overwritesOriginal) {
        Object.assign(combination, entry);
        merged = true;
      }
    }
    if (!merged) extra.push({ ...entry });
  }
  combinations.push(...extra);
  if (combinations.length === 0) {
    return { ok: false, problem: "strategy.matrix produced no combinations (everything was excluded)" };
  }
  if (combinations.length > MAX_MATRIX_COMBINATIONS) {
    return {
      ok: false,
      problem: `strategy.matrix produces ${combinations.length} combinations; the limit is ${MAX_MATRIX_COMBINATIONS}`,
    };
  }
  return { ok: true, combinations };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function partialMatch(combination: MatrixCombination, entry: Record<string, unknown>): boolean {
  return Object.entries(entry).every(([key, value]) => deepEqual(own(combination, key), value));
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A short, stable label for a combination, e.g. "node: 20, os: linux" (used in job names). */
export function describeCombination(combination: MatrixCombination): string {
  return Object.values(combination)
    .map((value) => (typeof value === "string" ? value : JSON.stringify(value)))
    .join(", ");
}
