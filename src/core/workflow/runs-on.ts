import { filterPatternToRegExp } from "./filter-pattern.js";

/**
 * Labels a job asks for (`runs-on: ubuntu-latest`, a list, or `{ group, labels }`), each of which
 * must be served by this host. Host labels may be patterns (`ubuntu-*`).
 */
export function unmatchedLabels(requested: readonly string[], hostLabels: readonly string[]): string[] {
  const patterns = hostLabels.map((label) => filterPatternToRegExp(label.toLowerCase()));
  return requested.filter((label) => !patterns.some((pattern) => pattern.test(label.toLowerCase())));
}

/** Normalises the evaluated `runs-on` value to a list of labels. */
export function runsOnLabels(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "object" && value !== null) {
    const { labels } = value as { labels?: unknown };
    return runsOnLabels(labels ?? []);
  }
  return [];
}
