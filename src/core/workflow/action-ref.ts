/** A `uses:` value of a step, classified the way GitHub's runner reads it. */
export type ActionUse =
  | { kind: "local"; path: string }
  | { kind: "docker"; image: string }
  | { kind: "remote"; owner: string; repo: string; path: string; ref: string };

/** A `uses:` of another repository. */
export type RemoteUse = Extract<ActionUse, { kind: "remote" }>;

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Reads `./dir`, `docker://image` or `owner/repo[/path]@ref`. Returns an error message (naming
 * what was expected) for anything else, e.g. a missing `@ref`.
 *
 * @example parseActionUse("actions/cache/restore@v4") // → { kind: "remote", owner: "actions", repo: "cache", path: "restore", ref: "v4" }
 */
export function parseActionUse(uses: string): ActionUse | { error: string } {
  const value = uses.trim();
  if (value.startsWith("./") || value === ".") return { kind: "local", path: value };
  if (value.startsWith("docker://")) return { kind: "docker", image: value.slice("docker://".length) };
  const at = value.lastIndexOf("@");
  if (at < 0)
    return { error: `'${value}': expected owner/repo[/path]@ref (a tag, branch or commit SHA after '@')` };
  const ref = value.slice(at + 1);
  const [owner = "", repo = "", ...rest] = value.slice(0, at).split("/");
  if (
    ref === "" ||
    !NAME.test(owner) ||
    !NAME.test(repo) ||
    // "." and ".." would step out of the actions cache directory the name becomes.
    [owner, repo, ...rest].some((part) => part === "" || part === "." || part === "..")
  )
    return { error: `'${value}': expected owner/repo[/path]@ref` };
  return { kind: "remote", owner, repo, path: rest.join("/"), ref };
}

/** A full 40-character commit SHA (what `uses: owner/repo@<sha>` pins to). */
export function isFullSha(ref: string): boolean {
  return /^[0-9a-f]{40}$/i.test(ref);
}
